/**
 * Failures of the machine rather than of yumda: a full or read-only disk, a path that is a file
 * where a directory is needed, missing permissions, too many open files. They are the user's to
 * fix, so they are reported like any YumdaError — one line naming the path and the cause, the
 * JSON error object under --json, exit code 6 (environment) — never as an internal error.
 *
 * Node's recursive mkdir reports ENOENT when the real cause is a read-only file system or a lack of
 * permission on an ancestor; the cause is diagnosed again from the deepest existing ancestor.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ExitCode, YumdaError, type ErrorCode } from './errors.js';

interface Known {
  /** The JSON error code. */
  code: ErrorCode;
  /** What happened, in words. */
  cause: string;
  hint?: string;
}

/** errno → how it is reported. Only these count as environment failures; anything else stays a bug. */
const KNOWN: Record<string, Known> = {
  ENOSPC: {
    code: 'DISK_FULL',
    cause: 'no space left on the device',
    hint: 'free space on that file system (df -h shows it) or choose another directory',
  },
  EDQUOT: {
    code: 'QUOTA_EXCEEDED',
    cause: 'disk quota exceeded',
    hint: 'free space within your quota or choose another directory',
  },
  EFBIG: { code: 'FILE_TOO_LARGE', cause: 'file too large for the file system or the process limit (ulimit -f)' },
  EROFS: {
    code: 'READ_ONLY_FILE_SYSTEM',
    cause: 'read-only file system',
    hint: 'choose a directory on a writable file system',
  },
  EACCES: {
    code: 'PERMISSION_DENIED',
    cause: 'permission denied',
    hint: 'check the owner and mode of the path and its parent directories',
  },
  EPERM: {
    code: 'OPERATION_NOT_PERMITTED',
    cause: 'operation not permitted',
    hint: 'check the owner and mode of the path (and attributes such as chattr +i)',
  },
  ENOTDIR: { code: 'NOT_A_DIRECTORY', cause: 'a part of the path is a file, not a directory' },
  EISDIR: { code: 'IS_A_DIRECTORY', cause: 'is a directory, a file was expected' },
  EEXIST: { code: 'ALREADY_EXISTS', cause: 'already exists' },
  ENOTEMPTY: { code: 'DIRECTORY_NOT_EMPTY', cause: 'directory not empty' },
  ENOENT: { code: 'NO_SUCH_FILE', cause: 'no such file or directory' },
  ENAMETOOLONG: { code: 'NAME_TOO_LONG', cause: 'file name too long' },
  ELOOP: { code: 'SYMLINK_LOOP', cause: 'too many levels of symbolic links' },
  EMFILE: {
    code: 'TOO_MANY_OPEN_FILES',
    cause: 'too many open files in this process',
    hint: 'raise the limit (ulimit -n) or lower --concurrency',
  },
  ENFILE: {
    code: 'TOO_MANY_OPEN_FILES',
    cause: 'too many open files on the system',
    hint: 'close other programs or raise fs.file-max',
  },
  EIO: { code: 'IO_ERROR', cause: 'input/output error', hint: 'the device reported an error: check the disk (dmesg)' },
  EXDEV: { code: 'CROSS_DEVICE', cause: 'cannot move across file systems' },
  EBUSY: { code: 'BUSY', cause: 'device or resource busy' },
  ETXTBSY: { code: 'TEXT_FILE_BUSY', cause: 'text file busy (a program is running from it)' },
  EMLINK: { code: 'TOO_MANY_LINKS', cause: 'too many links' },
  ENODEV: { code: 'NO_SUCH_DEVICE', cause: 'no such device' },
  ENXIO: { code: 'NO_SUCH_DEVICE', cause: 'no such device or address' },
  EAGAIN: { code: 'RESOURCE_UNAVAILABLE', cause: 'resource temporarily unavailable' },
  ENOMEM: { code: 'OUT_OF_MEMORY', cause: 'not enough memory' },
};

const VERBS: Record<string, string> = {
  open: 'cannot open',
  read: 'cannot read',
  write: 'cannot write',
  mkdir: 'cannot create directory',
  mkdtemp: 'cannot create a temporary directory in',
  rmdir: 'cannot remove directory',
  unlink: 'cannot remove',
  rm: 'cannot remove',
  rename: 'cannot rename',
  copyfile: 'cannot copy',
  symlink: 'cannot create symlink',
  link: 'cannot create hard link',
  scandir: 'cannot list directory',
  opendir: 'cannot list directory',
  stat: 'cannot read',
  lstat: 'cannot read',
  access: 'cannot access',
  chmod: 'cannot change the mode of',
  chown: 'cannot change the owner of',
  utime: 'cannot set the time of',
  fsync: 'cannot write',
  fdatasync: 'cannot write',
  ftruncate: 'cannot write',
  close: 'cannot write',
  readlink: 'cannot read symlink',
  realpath: 'cannot resolve',
  spawn: 'cannot run',
};

export type SystemError = NodeJS.ErrnoException & { code: string; dest?: string };

/** A Node system error (fs, child_process), as thrown by node:fs and friends. */
function isSystemError(e: unknown): e is SystemError {
  return (
    e instanceof Error &&
    typeof (e as NodeJS.ErrnoException).code === 'string' &&
    /^E[A-Z0-9]+$/.test((e as NodeJS.ErrnoException).code!) &&
    typeof (e as NodeJS.ErrnoException).syscall === 'string'
  );
}

/** The first system error in e or its chain of causes. */
export function findSystemError(e: unknown): SystemError | undefined {
  for (
    let cur: unknown = e, depth = 0;
    cur !== undefined && cur !== null && depth < 8;
    cur = (cur as { cause?: unknown }).cause, depth++
  ) {
    if (isSystemError(cur)) return cur;
  }
  return undefined;
}

/**
 * The real reason a recursive mkdir of `path` failed with ENOENT: the deepest ancestor that
 * exists is a file (ENOTDIR), or cannot be written (EROFS, EACCES). Undefined when none is found.
 */
export function diagnoseMkdir(path: string): { errno: string; path: string } | undefined {
  let dir = path;
  for (let i = 0; i < 4096; i++) {
    const parent = dirname(dir);
    let st;
    try {
      st = statSync(dir);
    } catch (e) {
      if (parent === dir) return undefined;
      const code = (e as NodeJS.ErrnoException).code;
      // ENOTDIR: an ancestor is a file, found further up
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return code ? { errno: code, path: dir } : undefined;
      dir = parent;
      continue;
    }
    if (!st.isDirectory()) return { errno: 'ENOTDIR', path: dir };
    try {
      accessSync(dir, constants.W_OK | constants.X_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return code ? { errno: code, path: dir } : undefined;
    }
    return undefined;
  }
  return undefined;
}

/**
 * The YumdaError for a system error that is the environment's fault (disk full, read-only, …),
 * naming the path; undefined when e holds none (then it stays an internal error). shownPath maps
 * the path in the error to the one the user knows (a staging file → the target it becomes);
 * fallbackPath names the file when the error has none (a failed write(2) carries no path);
 * context is said first when neither names one.
 */
export function environmentError(
  e: unknown,
  options: { shownPath?: (path: string) => string; fallbackPath?: string; context?: string } = {},
): YumdaError | undefined {
  const sys = findSystemError(e);
  if (!sys) return undefined;
  let errno = sys.code;
  const path = sys.path === undefined ? options.fallbackPath : (options.shownPath?.(sys.path) ?? sys.path);
  const syscall = sys.syscall ?? '';
  let detail: string | undefined;
  if (syscall === 'mkdir' && path && (errno === 'ENOENT' || errno === 'ENOTDIR' || errno === 'EEXIST')) {
    const real = diagnoseMkdir(path);
    if (real?.errno === 'ENOTDIR') {
      errno = 'ENOTDIR';
      detail = `${real.path} is a file, not a directory`;
    } else if (real) {
      errno = real.errno;
      detail = `${real.path}: ${KNOWN[real.errno]?.cause ?? real.errno}`;
    }
  }
  const known = KNOWN[errno];
  if (!known) return undefined;
  const verb = VERBS[syscall] ?? `${syscall} failed on`;
  const dest = sys.dest === undefined ? undefined : (options.shownPath?.(sys.dest) ?? sys.dest);
  const where = path ? (dest ? `${path} → ${dest}` : path) : undefined;
  const message = where
    ? `${verb} ${where}: ${detail ?? known.cause} (${errno})`
    : `${options.context ? `${options.context}: ` : ''}${verb}: ${known.cause} (${errno})`;
  return new YumdaError(known.code, message, {
    exitCode: ExitCode.environment,
    ...(known.hint ? { hint: known.hint } : {}),
    cause: e,
  });
}

/** Errnos of a full or failing disk, which a write(2) reports without naming the file. */
const DISK_ERRNOS = new Set(['ENOSPC', 'EDQUOT', 'EFBIG', 'EIO']);

/**
 * When e (or its chain of causes) is a full/failing-disk error that names no file, names `path`
 * (the directory the command was writing into) so the user is told where. Returns e.
 */
export function attachPath(e: unknown, path: string): unknown {
  const sys = findSystemError(e);
  if (sys && sys.path === undefined && DISK_ERRNOS.has(sys.code)) sys.path = path;
  return e;
}
