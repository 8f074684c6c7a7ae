import {test} from 'node:test';
import assert from 'node:assert/strict';
import {parsePasswd, userName} from '../../source/core/users.js';

test('parsePasswd maps uids to names and skips malformed lines', () => {
	const names = parsePasswd(
		'root:x:0:0:root:/root:/bin/bash\n# comment\nbroken\nalice:x:1000:1000::/home/alice:/bin/sh\nalias:x:1000:1000::/:/bin/sh\nnouid:x::1::/:\n',
	);
	assert.equal(names.get(0), 'root');
	assert.equal(names.get(1000), 'alice');
	assert.equal(names.size, 2);
});

test('userName reads the real passwd file and falls back to the uid', () => {
	assert.equal(userName(0), 'root');
	assert.equal(userName(987654), '987654');
});
