import {test} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {
	parseServices,
	serviceName,
	servicePort,
} from '../../../source/core/sockets/services.js';

const text = `# Network services, Internet style
tcpmux		1/tcp				# TCP port service multiplexer
ssh		22/tcp				# SSH Remote Login Protocol
domain		53/tcp
domain		53/udp
http		80/tcp		www		# WorldWideWeb HTTP
http-alt	8080/tcp	webcache	# WWW caching service
www-alt		8080/tcp
broken		notaport/tcp
toolarge	70000/tcp
onlyname
		81/tcp
`;

test('parses services(5): first name per port wins, aliases resolve, junk skipped', () => {
	const table = parseServices(text);
	assert.equal(table.byPort.get('22/tcp'), 'ssh');
	assert.equal(table.byPort.get('53/udp'), 'domain');
	assert.equal(table.byPort.get('8080/tcp'), 'http-alt');
	assert.equal(table.byName.get('www/tcp'), 80);
	assert.equal(table.byName.get('webcache/tcp'), 8080);
	assert.equal(table.byPort.get('70000/tcp'), undefined);
	assert.equal(table.byName.get('broken/tcp'), undefined);
	assert.equal(table.byPort.get('81/tcp'), undefined);
	assert.equal(table.byPort.size, 6);
});

test('serviceName and servicePort read a file once and cope with it missing', () => {
	const dir = mkdtempSync(join(tmpdir(), 'portui-services-'));
	try {
		const path = join(dir, 'services');
		writeFileSync(path, text);
		assert.equal(serviceName(80, 'tcp', path), 'http');
		assert.equal(serviceName(80, 'udp', path), undefined);
		assert.equal(servicePort('HTTP', 'tcp', path), 80);
		assert.equal(servicePort('nope', 'tcp', path), undefined);
		const missing = join(dir, 'absent');
		assert.equal(serviceName(22, 'tcp', missing), undefined);
		assert.equal(servicePort('ssh', 'tcp', missing), undefined);
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
});
