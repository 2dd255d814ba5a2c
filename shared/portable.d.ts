// AssemblyScript's integer type names, for the TypeScript compiler only: lets
// the shared files that both compilers read (shared/crc32c.ts,
// shared/protocol.ts, shared/board.ts) annotate with `i32`/`bool`. In
// AssemblyScript these are the native types; here they are plain numbers, so
// shared code keeps values in 32-bit range with `|`, `&`, `^`, `>>>`.
type i32 = number;
type bool = boolean;
