/**
 * A builder turns one prepared package (a rewritten spec plus its sources) into binary and source
 * RPMs. Two implementations: `docker` (production: a fresh amazonlinux:2 container per package) and
 * `local` (rpmbuild on the host: tests, and people without Docker).
 */
export type BuilderKind = 'docker' | 'local';

export interface BuildJob {
  /** Source package name (the spec's Name). */
  name: string;
  /** The rewritten spec, inside specsDir. */
  specFile: string;
  /** Sources and patches the spec names (the SOURCES directory). */
  sourcesDir: string;
  /** A scratch directory owned by this build (removed by the caller afterwards). */
  workDir: string;
  /** Where the builder leaves RPMS/ARCH/*.rpm and SRPMS/*.src.rpm. */
  resultDir: string;
  /** RPMs built earlier (this run or a previous one) that satisfy this build's BuildRequires, with their in-set runtime requirements. */
  dependencyRpms: string[];
  /** The package's log (OUT/logs/NAME.log); builders append their tools' output to it. */
  logFile: string;
  signal?: AbortSignal;
}

export interface Builder {
  readonly kind: BuilderKind;
  /**
   * What, besides the inputs, determines the output: the image recipe (docker) or the host's rpmbuild
   * (local). Part of every package's input hash in the build manifest. Must not need a Docker engine.
   */
  identity(): Promise<string>;
  /** Fails with a clear YumdaError (and an install hint) when the builder cannot run here. */
  ensureAvailable(): Promise<void>;
  build(job: BuildJob): Promise<void>;
}
