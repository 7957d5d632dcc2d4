/** What the Lambda base (a BaseProfile) satisfies: capabilities, package names and files. */
import type { BaseProfile, Capability } from '../config/profile.js';
import type { Dependency } from '../rpm/types.js';
import { depMatches } from '../rpm/version.js';

export class BaseSatisfier {
  readonly profile: BaseProfile;
  private readonly provides = new Map<string, Capability[]>();
  private readonly files: Set<string>;
  private readonly packageNames: Set<string>;

  constructor(profile: BaseProfile) {
    this.profile = profile;
    for (const cap of profile.provides) {
      const list = this.provides.get(cap.name);
      if (list) list.push(cap);
      else this.provides.set(cap.name, [cap]);
    }
    this.files = new Set(profile.files);
    this.packageNames = new Set(profile.packages.map((p) => p.name));
  }

  get isEmpty(): boolean {
    return this.profile.packages.length === 0 && this.profile.provides.length === 0 && this.profile.files.length === 0;
  }

  hasPackage(name: string): boolean {
    return this.packageNames.has(name);
  }

  /** The path with the runtime's directory symlinks resolved (/bin/sh → /usr/bin/sh on AL2). */
  canonicalPath(path: string): string {
    for (const [link, target] of Object.entries(this.profile.symlinks)) {
      if (path === link || path.startsWith(link + '/')) {
        const abs = target.startsWith('/') ? target : '/' + target;
        return abs + path.slice(link.length);
      }
    }
    return path;
  }

  satisfies(dep: Pick<Dependency, 'name' | 'flags' | 'epoch' | 'version' | 'release'>): boolean {
    for (const cap of this.provides.get(dep.name) ?? []) if (depMatches(cap, dep)) return true;
    if (dep.name.startsWith('/')) {
      const canonical = this.canonicalPath(dep.name);
      for (const p of [dep.name, canonical]) if (this.files.has(p) || this.files.has(p + '/')) return true;
    }
    return false;
  }

  /** Whether the target's rpm supports an rpmlib(...) feature. A profile without features accepts any. */
  supportsRpmlib(dep: Pick<Dependency, 'name' | 'flags' | 'epoch' | 'version' | 'release'>): boolean {
    const features = this.profile.rpm.features;
    if (features.length === 0) return true;
    return features.some((f) => depMatches(f, dep));
  }

  supportsPayload(compressor: string): boolean {
    const c = compressor === '' ? 'gzip' : compressor;
    return this.profile.rpm.payloadCompressors.includes(c);
  }
}
