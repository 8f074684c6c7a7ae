/**
 * What a cold `portui list` needs, as one module: scripts/bundle-list.mjs
 * bundles it with everything it imports into dist/commands/list.cjs, which
 * the entry point loads with require(). Node's ESM loader costs about 10 ms
 * more for these fifteen small modules than one CommonJS file does (a cold
 * list of 10,000 listeners: 211-219 -> 200-211 ms). The ESM modules stay what
 * everything else uses (and what runs under tsx).
 */
export {startListenerRead} from '../core/sockets/kernel.js';
export {exitNow, loadAddon} from '../core/sockets/netlink.js';
export {run} from './list.js';
// The bundle's own copy of the error classes: the entry point tells a usage
// error (exit 2) from a crash by them.
export {PortuiError} from '../core/errors.js';
