/** A value built on first use and kept: for what most runs never need (schemas, tables). */
export function lazy<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}
