import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import net from 'node:net';
import {test} from 'node:test';
import {render} from 'ink-testing-library';
import {waitForFrame} from '../../helpers/ui-fixtures.js';
import {ScanScreen} from '../../../source/ui/screens/scan-screen.js';

const ESC = '\u001B';
const ENTER = '\r';
const TAB = '\t';
const tick = async (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));

/** Screens that read real processes or scan: waits of up to 20,000 ms. */
const waitForScreen = async (
	lastFrame: () => string | undefined,
	check: (frame: string) => boolean,
	what: string,
) => waitForFrame(lastFrame, check, what, 20_000);

async function typeText(
	stdin: {write: (data: string) => void},
	text: string,
): Promise<void> {
	for (const character of text) {
		stdin.write(character);
		await tick(5);
	}
	await tick();
}

test('the form shows validation errors inline and Esc goes back', async () => {
	let back = 0;
	const {stdin, lastFrame, unmount} = render(
		<ScanScreen onBack={() => back++} width={100} height={16} />,
	);
	try {
		await tick();
		assert.match(lastFrame() ?? '', /enter a target/);
		await typeText(stdin, '10.0.0.300');
		await waitForScreen(
			lastFrame,
			(frame) => frame.includes('bad target "10.0.0.300": octet out of range'),
			'the octet error',
		);
		stdin.write(ENTER);
		await tick();
		assert.match(
			lastFrame() ?? '',
			/octet out of range/,
			'an invalid form does not start',
		);
		stdin.write(ESC);
		await tick(100);
		assert.equal(back, 1);
	} finally {
		unmount();
	}
});

test('a scan of our own listener streams progress and the open port; Enter opens it', async () => {
	const server = net.createServer((socket) => socket.on('error', () => undefined));
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as net.AddressInfo).port;
	const opened: Array<[number, string]> = [];
	const {stdin, lastFrame, unmount} = render(
		<ScanScreen
			onBack={() => undefined}
			onOpenLocalPort={(p, protocol) => opened.push([p, protocol])}
			width={100}
			height={16}
		/>,
	);
	try {
		await tick();
		await typeText(stdin, '127.0.0.1');
		stdin.write(TAB);
		await tick();
		await typeText(stdin, String(port));
		stdin.write(ENTER);
		const frame = await waitForScreen(
			lastFrame,
			(text) => text.includes('Done in'),
			'the scan to finish',
		);
		assert.match(frame, new RegExp(`${port}/tcp +open`));
		assert.match(frame, /100% 1\/1/);
		stdin.write(ENTER);
		await tick(100);
		assert.deepEqual(opened, [[port, 'tcp']]);
	} finally {
		unmount();
		await new Promise((resolve) => server.close(resolve));
	}
});

test('Esc while scanning cancels and keeps the screen browsable', async () => {
	// A listener whose process is frozen with its one-slot accept queue full:
	// the kernel drops further SYNs, so a probe of it waits out its timeout.
	const frozen: ChildProcess = spawn(
		process.execPath,
		[
			'-e',
			`require('net').createServer().listen({port: 0, host: '127.0.0.1', backlog: 0}, function () {
				console.log(this.address().port);
				setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0), 50);
			});`,
		],
		{stdio: ['ignore', 'pipe', 'inherit']},
	);
	const clients: net.Socket[] = [];
	// 60 columns: narrower than the progress line, which must truncate, not wrap.
	const {stdin, lastFrame, unmount} = render(
		<ScanScreen onBack={() => undefined} width={60} height={16} />,
	);
	try {
		const port = await new Promise<number>((resolve) =>
			frozen.stdout?.once('data', (chunk: Buffer) =>
				resolve(Number(String(chunk).trim())),
			),
		);
		await tick(200);
		for (let index = 0; index < 3; index++) {
			const client = net.connect(port, '127.0.0.1');
			client.on('error', () => undefined);
			clients.push(client);
		}
		await tick(200);
		await typeText(stdin, '127.0.0.1');
		stdin.write(TAB);
		await tick();
		await typeText(stdin, String(port));
		stdin.write(ENTER);
		await waitForScreen(
			lastFrame,
			(frame) => frame.includes('Scanning'),
			'the scan to start',
		);
		stdin.write(ESC);
		const frame = await waitForScreen(
			lastFrame,
			(text) => text.includes('Cancelled in'),
			'the cancelled state',
		);
		assert.match(frame, /e edit/);
		const lines = frame.split('\n');
		assert.ok(lines.length <= 16, `${lines.length} lines in a 16-line screen`);
		for (const line of lines) assert.ok(line.length <= 60, `wider than 60: ${line}`);
		const overall = lines.findIndex((line) => line.includes('ports/s'));
		assert.match(
			lines[overall + 1] ?? '',
			/^127\.0\.0\.1 /,
			'the progress line did not wrap',
		);
	} finally {
		unmount();
		for (const client of clients) client.destroy();
		frozen.kill('SIGKILL');
	}
});
