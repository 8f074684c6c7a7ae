// Imported first by tests that assert on styles: chalk (through Ink) decides its
// colour level once, when it loads, and the test runner's stdout is no terminal.
process.env.FORCE_COLOR = '1';
