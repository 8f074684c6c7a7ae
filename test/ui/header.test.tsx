import {test} from 'node:test';
import assert from 'node:assert/strict';
import {render} from 'ink-testing-library';
import {Header} from '../../source/ui/components/header.js';

const props = {host: 'vm', user: 'root', tcp: 0, udp: 0, intervalMs: 1000, paused: false};

test('the header claims neither root nor "not root" before the first read says which', () => {
	const cases = [
		{isRoot: undefined, shows: /portui on vm as root │/},
		{isRoot: true, shows: /portui on vm as root │/},
		{isRoot: false, shows: /as root \(not root\) │/},
	];
	for (const {isRoot, shows} of cases) {
		const app = render(<Header {...props} isRoot={isRoot} hiddenCount={0} />);
		try {
			const frame = app.lastFrame() ?? '';
			assert.match(frame, shows, String(isRoot));
			if (isRoot !== false) assert.doesNotMatch(frame, /not root/, String(isRoot));
		} finally {
			app.unmount();
		}
	}
});
