import {test} from 'node:test';
import assert from 'node:assert/strict';
import {render} from 'ink-testing-library';
import {App} from '../../source/ui/app.js';
import {themeFor} from '../../source/ui/theme.js';
import type {Listener, ListenerSnapshot} from '../../source/core/sockets/listener.js';
import {formatAge} from '../../source/format/duration.js';
import {
	holder,
	keys,
	listener,
	snapshot,
	tick,
	waitForFrame,
} from '../helpers/ui-fixtures.js';

const base = (): Listener[] => [
	listener(8080, {
		holders: [holder(300, 'node', {user: 'alice', command: 'node app.js'})],
	}),
	listener(22, {holders: [holder(100, 'sshd', {command: '/usr/sbin/sshd -D'})]}),
	listener(53, {
		protocol: 'udp',
		address: '127.0.0.53',
		holders: [holder(200, 'resolved')],
	}),
	listener(443, {
		family: 6,
		address: '::',
		holders: [holder(400, 'nginx'), holder(401, 'nginx')],
	}),
];

// eslint-disable-next-line no-control-regex
const strip = (text: string) => text.replace(/\u001B\[[0-9;]*m/g, '');

function setup(listeners: Listener[], extra: Partial<ListenerSnapshot> = {}) {
	let current = snapshot(listeners, extra);
	let reads = 0;
	const opened: Listener[] = [];
	const app = render(
		<App
			source={() => {
				reads++;
				return current;
			}}
			// Refreshes in these tests come from `r` only: no timing in assertions.
			intervalMs={3_600_000}
			formatAge={formatAge}
			serviceName={(port) => (port === 22 ? 'ssh' : port === 443 ? 'https' : undefined)}
			host="testhost"
			user="root"
			theme={themeFor({NO_COLOR: '1'})}
			onOpenListener={(item) => opened.push(item)}
		/>,
	);
	const frame = () => strip(app.lastFrame() ?? '');
	const waitFor = async (check: (frame: string) => boolean) => waitForFrame(frame, check);
	return {
		...app,
		frame,
		waitFor,
		opened,
		reads: () => reads,
		setListeners(next: Listener[], more: Partial<ListenerSnapshot> = {}) {
			current = snapshot(next, more);
		},
		/** Sends one key and waits until the frame satisfies `check`. */
		async press(key: string, check: (frame: string) => boolean) {
			app.stdin.write(key);
			return waitForFrame(frame, check);
		},
		/** Sends one key, then Enter, and returns the port the app opened: the selected row. */
		async selectedPort(): Promise<number> {
			const before = opened.length;
			app.stdin.write(keys.enter);
			const end = Date.now() + 3000;
			while (opened.length === before) {
				if (Date.now() > end) throw new Error('Enter opened nothing');
				await tick(5);
			}
			return opened.at(-1)!.port;
		},
	};
}

/** Ports in the order their rows appear in the frame. */
function rowPorts(frame: string): number[] {
	return frame
		.split('\n')
		.filter((line) => /^(tcp|udp)[46] /.test(line))
		.map((line) => Number(line.split(/\s+/)[2]));
}

test('shows the header, the table sorted by port and the footer keys', async () => {
	const app = setup(base());
	try {
		const frame = await app.waitFor((text) => text.includes('sshd'));
		assert.match(frame, /portui on testhost as root │/);
		assert.match(frame, /TCP 3 UDP 1/);
		assert.match(frame, /every 3600s/);
		assert.match(frame, /PROTO +ADDRESS +▲PORT SERVICE +PID PROCESS +USER +AGE COMMAND/);
		assert.deepEqual(rowPorts(frame), [22, 53, 443, 8080]);
		assert.match(frame, /tcp6 +:: +443 https +400,\+1 nginx/);
		assert.match(frame, /1m node app.js/);
		assert.match(frame, /↑↓ move .*\/ filter .*\? help +q quit/);
		assert.match(frame, /1\/4 │ TCP\+UDP │ sort port ▲/);
	} finally {
		app.unmount();
	}
});

test('arrows, j/k, PgUp/PgDn and Home/End move the selection', async () => {
	const app = setup(base());
	try {
		await app.waitFor((text) => text.includes('1/4'));
		await app.press(keys.down, (text) => text.includes('2/4'));
		await app.press('j', (text) => text.includes('3/4'));
		assert.equal(await app.selectedPort(), 443);
		await app.press('k', (text) => text.includes('2/4'));
		await app.press(keys.up, (text) => text.includes('1/4'));
		await app.press(keys.end, (text) => text.includes('4/4'));
		assert.equal(await app.selectedPort(), 8080);
		await app.press(keys.home, (text) => text.includes('1/4'));
		await app.press('G', (text) => text.includes('4/4'));
		await app.press('g', (text) => text.includes('1/4'));
		await app.press(keys.pageDown, (text) => text.includes('4/4'));
		await app.press(keys.pageUp, (text) => text.includes('1/4'));
		assert.equal(await app.selectedPort(), 22);
	} finally {
		app.unmount();
	}
});

test('s cycles the sort column and S reverses it, keeping the selected socket', async () => {
	const app = setup(base());
	try {
		await app.waitFor((text) => text.includes('1/4'));
		await app.press('j', (text) => text.includes('2/4'));
		await app.press('S', (text) => text.includes('▼PORT'));
		assert.deepEqual(rowPorts(app.frame()), [8080, 443, 53, 22]);
		assert.equal(await app.selectedPort(), 53);
		assert.match(app.frame(), /3\/4/);
		const frame = await app.press('s', (text) => text.includes('PROT▲'));
		assert.match(frame, /sort protocol ▲/);
		assert.deepEqual(rowPorts(frame), [22, 8080, 443, 53]);
		assert.equal(await app.selectedPort(), 53);
	} finally {
		app.unmount();
	}
});

test('/ filters as you type; Enter keeps the filter, Esc clears it', async () => {
	const app = setup(base());
	try {
		await app.waitFor((text) => text.includes('1/4'));
		await app.press('/', (text) => text.includes('⏎ keep'));
		let frame = await app.press('a', (text) => rowPorts(text).length === 1);
		assert.deepEqual(rowPorts(frame), [8080], 'user alice');
		frame = await app.press(keys.backspace, (text) => rowPorts(text).length === 4);
		for (const char of 'nginx') app.stdin.write(char);
		frame = await app.waitFor((text) => text.includes('/nginx'));
		assert.deepEqual(rowPorts(frame), [443]);
		assert.match(frame, /1\/1 of 4/);
		// Letters are text while typing: q did not quit, j did not move.
		await app.press(keys.enter, (text) => text.includes('s/S sort'));
		assert.deepEqual(rowPorts(app.frame()), [443]);
		assert.equal(await app.selectedPort(), 443);
		await app.press('/', (text) => text.includes('⏎ keep'));
		frame = await app.press(keys.escape, (text) => rowPorts(text).length === 4);
		assert.doesNotMatch(frame, /\/nginx/);
		await app.press('/', (text) => text.includes('⏎ keep'));
		for (const char of 'zzz') app.stdin.write(char);
		frame = await app.waitFor((text) => text.includes('no match'));
		assert.match(frame, /No listening sockets match/);
	} finally {
		app.unmount();
	}
});

test('t cycles TCP+UDP, TCP and UDP', async () => {
	const app = setup(base());
	try {
		await app.waitFor((text) => text.includes('1/4'));
		let frame = await app.press('t', (text) => text.includes('│ TCP │'));
		assert.deepEqual(rowPorts(frame), [22, 443, 8080]);
		frame = await app.press('t', (text) => text.includes('│ UDP │'));
		assert.deepEqual(rowPorts(frame), [53]);
		await app.press('t', (text) => text.includes('│ TCP+UDP │'));
	} finally {
		app.unmount();
	}
});

test('the selection stays on its socket across a refresh that reorders rows; a vanished socket stays marked closed', async () => {
	const listeners = base();
	const app = setup(listeners);
	try {
		await app.waitFor((text) => text.includes('1/4'));
		await app.press(keys.end, (text) => text.includes('4/4'));
		assert.equal(await app.selectedPort(), 8080);
		// The same sockets plus two new ones that sort above 8080.
		const extra = [listener(1000), listener(2000)];
		app.setListeners([...listeners, ...extra]);
		const reads = app.reads();
		await app.press('r', (text) => text.includes('6/6'));
		assert.ok(app.reads() > reads);
		assert.equal(await app.selectedPort(), 8080);
		assert.deepEqual(rowPorts(app.frame()), [22, 53, 443, 1000, 2000, 8080]);
		// 8080 goes away: its row stays (closed) and selected, and is no longer counted.
		app.setListeners([...listeners.filter((item) => item.port !== 8080), ...extra]);
		const frame = await app.press('r', (text) => text.includes('TCP 4 UDP 1'));
		assert.deepEqual(rowPorts(frame), [22, 53, 443, 1000, 2000, 8080]);
		assert.match(frame, /6\/6/);
		// Enter does not open a closed socket.
		app.stdin.write(keys.enter);
		await tick(50);
		assert.equal(app.opened.length, 2);
	} finally {
		app.unmount();
	}
});

test('p pauses and resumes; the header says so', async () => {
	const app = setup(base());
	try {
		await app.waitFor((text) => text.includes('1/4'));
		await app.press('p', (text) => text.includes('PAUSED'));
		await app.press('p', (text) => !text.includes('PAUSED'));
	} finally {
		app.unmount();
	}
});

test('? opens the help overlay from the keymap and ? closes it', async () => {
	const app = setup(base());
	try {
		await app.waitFor((text) => text.includes('1/4'));
		const frame = await app.press('?', (text) => text.includes('While typing a filter'));
		for (const line of [
			/↑\/k +move up/,
			/PgDn +page down/,
			/Home\/g +first row/,
			/S +reverse the sort order/,
			/\/ +filter by port, address, process, user or command/,
			/t +show TCP\+UDP, TCP only, UDP only/,
			/Enter +show the process holding the socket/,
			/q\/Ctrl-C +quit/,
			/While typing a filter: Enter keep the filter · Esc clear/,
		]) {
			assert.match(frame, line);
		}
		assert.doesNotMatch(frame, /scan ports/, 'no scan screen plugged in');
		assert.match(frame, /\? close help/);
		// j does nothing while the help is open.
		app.stdin.write('j');
		await app.press('?', (text) => text.includes('1/4'));
	} finally {
		app.unmount();
	}
});

test('a narrow terminal drops columns and no line is wider than the terminal', async () => {
	const app = setup(base());
	try {
		await app.waitFor((text) => text.includes('COMMAND'));
		Object.defineProperty(app.stdout, 'columns', {value: 50, configurable: true});
		Object.defineProperty(app.stdout, 'rows', {value: 12, configurable: true});
		app.stdout.emit('resize');
		const frame = await app.waitFor((text) => !text.includes('COMMAND'));
		assert.doesNotMatch(frame, /SERVICE|AGE/);
		assert.match(frame, /PROTO ADDRESS +▲PORT +PID PROCESS/);
		const lines = frame.split('\n');
		assert.ok(lines.length <= 11, `${lines.length} lines for 12 rows`);
		for (const line of lines) assert.ok(line.length <= 50, `too wide: ${line}`);
		assert.deepEqual(rowPorts(frame), [22, 53, 443, 8080]);
	} finally {
		app.unmount();
	}
});

test('without root, one line says sudo shows the hidden processes', async () => {
	const hidden = listener(5432, {
		holders: [],
		processesHidden: true,
		uid: 999,
		user: 'postgres',
	});
	const app = setup([...base(), hidden], {isRoot: false, hiddenCount: 1});
	try {
		const frame = await app.waitFor((text) => text.includes('5432'));
		assert.match(
			frame,
			/1 socket belongs to other users; run with sudo to see their processes\./,
		);
		assert.match(frame, / \(not root\) │/);
		assert.match(frame, /tcp4 +127\.0\.0\.1 +5432 +\? \?/);
	} finally {
		app.unmount();
	}
});

test('10,000 rows: only a window is rendered, and End, PgUp and filtering stay on it', async () => {
	const many = Array.from({length: 10_000}, (_, index) => listener(10_000 + index));
	const app = setup(many);
	try {
		let frame = await app.waitFor((text) => text.includes('1/10000'));
		// Default test height 24 → a 23-line frame: header, heading, 19 rows, status, footer.
		assert.equal(rowPorts(frame).length, 19);
		assert.ok(frame.split('\n').length <= 23);
		frame = await app.press(keys.end, (text) => text.includes('10000/10000'));
		assert.equal(rowPorts(frame).at(-1), 19_999);
		assert.equal(rowPorts(frame).length, 19);
		frame = await app.press(keys.pageUp, (text) => text.includes('9981/10000'));
		assert.equal(rowPorts(frame)[0], 19_980);
		await app.press('/', (text) => text.includes('⏎ keep'));
		for (const char of '1234') app.stdin.write(char);
		frame = await app.waitFor((text) => text.includes('/1234'));
		assert.ok(
			rowPorts(frame).every(
				(port) => String(port).includes('1234') || String(port + 10_000).includes('1234'),
			),
		);
		assert.ok(rowPorts(frame).length > 0);
	} finally {
		app.unmount();
	}
});
