/**
 * Kernel file systems (proc, sysfs, devtmpfs, cgroup, …) hold kernel objects, not files: writing
 * a layer there makes no sense, and Node's recursive mkdir loops forever in /proc (ENOENT from a
 * directory that exists). Commands that create a target directory check it first.
 */
import { lstatSync, readFileSync, realpathSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ExitCode, YumdaError } from './errors.js';

/** statfs f_type → name, for kernel file systems (linux/magic.h). */
const SPECIAL_MAGIC: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x6165676c, 'pstore'],
  [0xcafe4a11, 'bpf'],
  [0x62656570, 'configfs'],
  [0x1cd1, 'devpts'],
  [0x19800202, 'mqueue'],
  [0xde5e81e4, 'efivarfs'],
  [0x42494e4d, 'binfmt_misc'],
  [0xf97cff8c, 'selinuxfs'],
  [0x65735543, 'fusectl'],
  [0x6e736673, 'nsfs'],
  [0x67596969, 'rpc_pipefs'],
]);

/** Names as /proc/self/mountinfo gives them: devtmpfs has tmpfs's magic, so the name tells it apart. */
const SPECIAL_NAMES = new Set([...SPECIAL_MAGIC.values(), 'devtmpfs', 'autofs']);

/** The deepest ancestor of path (itself included) that exists, symlinks resolved. */
function existingAncestor(path: string): string | undefined {
  for (let p = resolve(path); ; p = dirname(p)) {
    try {
      lstatSync(p);
      return realpathSync(p);
    } catch {
      if (dirname(p) === p) return undefined;
    }
  }
}

function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** The file system type of the mount holding `real` (an existing, resolved path), from /proc/self/mountinfo. */
function mountType(real: string): { type: string; mountPoint: string } | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return undefined;
  }
  let best: { type: string; mountPoint: string } | undefined;
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const mountPoint = unescapeMountPath(left.split(' ')[4] ?? '');
    const type = right.split(' ')[0] ?? '';
    const inside = mountPoint === '/' || real === mountPoint || real.startsWith(mountPoint + '/');
    // later lines mount over earlier ones at the same point
    if (inside && (!best || mountPoint.length >= best.mountPoint.length)) best = { type, mountPoint };
  }
  return best;
}

/** The kernel file system `path` (or its deepest existing ancestor) is on, or undefined for an ordinary one. */
export function specialFileSystem(path: string): { type: string; mountPoint: string | undefined } | undefined {
  const real = existingAncestor(path);
  if (!real) return undefined;
  try {
    const magic = SPECIAL_MAGIC.get(Number(statfsSync(real).type));
    if (magic) return { type: magic, mountPoint: mountType(real)?.mountPoint };
  } catch {
    // statfs unsupported here: the mount table still tells
  }
  const mount = mountType(real);
  if (mount && SPECIAL_NAMES.has(mount.type)) return mount;
  return undefined;
}

/** Throws a clear usage error when `path` lies on a kernel file system; `what` names it ("the layer directory"). */
export function refuseSpecialFileSystem(path: string, what: string): void {
  const special = specialFileSystem(path);
  if (!special) return;
  throw new YumdaError(
    'SPECIAL_FILE_SYSTEM',
    `${what} ${path} is on a ${special.type} file system${special.mountPoint ? ` (mounted at ${special.mountPoint})` : ''}, which holds kernel objects, not files`,
    { exitCode: ExitCode.usage, hint: 'choose a directory on a disk or a tmpfs' },
  );
}
