import assert from 'node:assert/strict';
import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {test} from 'node:test';
import {
	firewallSuggestion,
	ufwAllows,
	ufwIsActive,
} from '../../../source/core/conflicts/firewall.js';

const active = `Status: active

To                         Action      From
--                         ------      ----
22/tcp                     ALLOW       Anywhere
80                         ALLOW       Anywhere
22/tcp (v6)                ALLOW       Anywhere (v6)
`;

test('parses ufw status: active or not, and which ports it allows', () => {
	assert.equal(ufwIsActive(active), true);
	assert.equal(ufwIsActive('Status: inactive\n'), false);
	assert.equal(ufwAllows(active, 22, 'tcp'), true);
	assert.equal(ufwAllows(active, 80, 'udp'), true, 'a bare port allows both protocols');
	assert.equal(ufwAllows(active, 8080, 'tcp'), false);
	assert.equal(ufwAllows(active, 2, 'tcp'), false);
});

test('suggests ufw allow only when ufw is active and the port is not allowed (fake ufw, never the real one)', async () => {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'portui-ufw-'));
	try {
		const fake = path.join(dir, 'ufw');
		const write = (text: string, code = 0) => {
			writeFileSync(fake, `#!/bin/sh\ncat <<'EOF'\n${text}EOF\nexit ${code}\n`);
			chmodSync(fake, 0o755);
		};
		write(active);
		assert.equal(await firewallSuggestion(8080, 'tcp', fake), 'ufw allow 8080/tcp');
		assert.equal(await firewallSuggestion(22, 'tcp', fake), undefined);
		write('Status: inactive\n');
		assert.equal(await firewallSuggestion(8080, 'tcp', fake), undefined);
		write('ERROR: You need to be root to run this script\n', 1);
		assert.equal(await firewallSuggestion(8080, 'tcp', fake), undefined);
		assert.equal(
			await firewallSuggestion(8080, 'tcp', path.join(dir, 'absent')),
			undefined,
		);
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
});
