// Minimal typings for the local AWS stand-ins (they ship none).
declare module 'dynalite' {
  import type { Server } from 'node:http';

  function dynalite(options?: Record<string, unknown>): Server;
  export default dynalite;
}
declare module 'kinesalite' {
  import type { Server } from 'node:http';

  function kinesalite(options?: Record<string, unknown>): Server;
  export default kinesalite;
}
