// Minimal typings for the decompressors that ship none.
declare module 'lzma-native' {
  import type { Transform } from 'node:stream';
  export function createDecompressor(options?: {
    synchronous?: boolean;
    threads?: number;
    memlimit?: number;
    bufsize?: number;
  }): Transform;
}

declare module 'unbzip2-stream' {
  import type { Duplex } from 'node:stream';
  function unbzip2Stream(): Duplex;
  export default unbzip2Stream;
}
