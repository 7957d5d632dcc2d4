/**
 * File conflicts between the packages of a transaction and those staying in the layer, as rpm
 * sees them: two packages may own the same path only when both put the same thing there (same
 * type, content and link target); directories are shared freely. Pure: no file system.
 */
export interface OwnedEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink';
  sha256: string | null;
  linkto: string | null;
}

export interface Owner {
  /** How to name the owner in a message, e.g. "git-2.39.5-1.lambda2.x86_64 (installed)". */
  label: string;
  entries: readonly OwnedEntry[];
}

export interface FileConflict {
  path: string;
  incoming: string;
  existing: string;
  /** One line: what each side puts at the path. */
  message: string;
}

/** A hardlink is a file that shares its content; for conflicts the two are the same kind. */
function sameKind(a: OwnedEntry['type'], b: OwnedEntry['type']): boolean {
  return a.replace('hardlink', 'file') === b.replace('hardlink', 'file');
}

function identical(a: OwnedEntry, b: OwnedEntry): boolean {
  if (!sameKind(a.type, b.type)) return false;
  // hardlink entries of the same set carry the sha256 of their content too
  return a.sha256 === b.sha256 && a.linkto === b.linkto;
}

/**
 * Conflicts of `incoming` packages (in order) with `staying` ones and with each other. A path
 * that one package needs as a directory (as an entry or as the parent of one) and another puts a
 * file or symlink at is a conflict too.
 */
export function findFileConflicts(staying: readonly Owner[], incoming: readonly Owner[]): FileConflict[] {
  interface Claim {
    label: string;
    isNew: boolean;
  }
  const owners = new Map<string, Claim & { entry: OwnedEntry }>();
  const dirsNeeded = new Map<string, Claim>();
  const conflicts: FileConflict[] = [];
  const needDirs = (claim: Claim, e: OwnedEntry): void => {
    if (e.type === 'dir' && !dirsNeeded.get(e.path)?.isNew) dirsNeeded.set(e.path, claim);
    for (let i = e.path.lastIndexOf('/'); i > 0; i = e.path.lastIndexOf('/', i - 1)) {
      const d = e.path.slice(0, i);
      const known = dirsNeeded.get(d);
      if (known && (known.isNew || !claim.isNew)) break;
      dirsNeeded.set(d, claim);
    }
  };
  const add = (o: Owner, isNew: boolean): void => {
    const claim = { label: o.label, isNew };
    for (const e of o.entries) {
      needDirs(claim, e);
      if (e.type === 'dir') continue;
      const other = owners.get(e.path);
      if (!other) owners.set(e.path, { ...claim, entry: e });
      else if (isNew && !identical(other.entry, e)) {
        const what = sameKind(other.entry.type, e.type)
          ? `differs from the ${e.type.replace('hardlink', 'file')} in ${other.label}`
          : `is a ${e.type} there but a ${other.entry.type} in ${other.label}`;
        conflicts.push({
          path: e.path,
          incoming: o.label,
          existing: other.label,
          message: `/opt/${e.path} from ${o.label} ${what}`,
        });
      }
    }
  };
  for (const o of staying) add(o, false);
  for (const o of incoming) add(o, true);
  for (const [path, owner] of owners) {
    const needer = dirsNeeded.get(path);
    if (!needer || !(needer.isNew || owner.isNew)) continue;
    const message =
      needer.label === owner.label
        ? `/opt/${path} is both a ${owner.entry.type} and a directory in ${owner.label}`
        : `/opt/${path} is a ${owner.entry.type} in ${owner.label}, but ${needer.label} needs it as a directory (nothing is written through a symlink)`;
    conflicts.push({ path, incoming: owner.label, existing: needer.label, message });
  }
  return conflicts;
}
