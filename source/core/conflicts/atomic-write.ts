/**
 * The config writer conflict resolution uses. It lives in core/files (the
 * directory descriptor, the lock, xattrs, the native addon's calls); this is
 * where the reconfigure step and its callers import it from.
 */
export {
	backupPath,
	restoreBackup,
	writeFileAtomic,
	type AtomicWriteOptions,
	type AtomicWriteResult,
} from '../files/atomic-write.js';
export {LOCK_WAIT_MS, lockFile, lockFileWhenFree, type FileLock} from '../files/lock.js';
export {rewriteRisks, type RewriteRisk} from '../files/risks.js';
