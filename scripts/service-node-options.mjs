// The V8 heap sizes every Herald service runs with: `npm start`, the bench, the end-to-end
// and fault suites, and the images' NODE_OPTIONS (deploy/Dockerfile; tests/deploy checks
// they agree). Left to itself V8 grows each service's heap to 190-260 MB under load, for
// peaks of 310-380 MB RSS; issue 6 asks for every service under 200 MB. Measured with
// `node bench/run.mjs --preload 20000 --no-references --receiver webhook` on 2 cores, as
// peak RSS of the largest service, delivered alerts/s after 10 s, CPU ms per alert:
//   no flags                       381 MB  1,825/s  1.46
//   semi 2                         274 MB  1,444/s
//   semi 4, old 128                169 MB  1,297/s  1.89
//   semi 8, old 128                179 MB  1,414/s  1.77
//   semi 8, old 96                 177 MB  1,300/s  1.83
//   semi 16, old 112               193 MB  1,438/s  1.77
//   --optimize-for-size            157 MB  1,069/s  2.22 (and NODE_OPTIONS refuses it)
// The old-space cap is a hard limit: a batch of alerts near ingest's 10 MiB body limit could
// exceed it and crash its worker, which then fails the alert after its attempts (nothing is
// lost). Installations with such alerts raise it, or lower HERALD_BATCH_SIZE.
export const SERVICE_NODE_OPTIONS = ['--max-semi-space-size=8', '--max-old-space-size=128'];

// glibc gives each thread that allocates its own malloc arena (Node's libuv pool and V8's
// helper threads), and each keeps freed memory. Two arenas took 10 MB off each service's
// peak RSS (formatter 199 -> 189 MB with the mailbox receiver, sender 178 -> 162;
// `--preload 20000 --receiver mailbox`), the CPU per alert within the runs' noise.
export const SERVICE_ENV = { MALLOC_ARENA_MAX: '2' };
