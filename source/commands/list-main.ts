/**
 * What a cold `portui list` needs, as one module: scripts/bundle-list.mjs
 * bundles it with everything it imports into dist/commands/list.cjs, which
 * the entry point loads with require(). Node's ESM loader costs about 20 ms
 * more for these fifteen small modules than one CommonJS file does, a tenth
 * of a cold list compared with `ss`. The ESM modules stay what everything
 * else uses (and what runs under tsx).
 */
export {startListenerRead} from '../core/sockets/kernel.js';
export {exitNow, loadAddon} from '../core/sockets/netlink.js';
export {run} from './list.js';
