// The real @actions/cache client's save, timed (bench/cache_save_bench.sh): prints
// "archive_ms=<tar done> upload_ms=<upload + finalize> total_ms=<all> client_cpu_ms=<node's own
// CPU (user + system) during the upload>" to stderr. The
// client writes "::debug::File Size: ..." once its tar | zstd archive exists and before it uploads,
// so its info lines are watched to split the time.
//   node cache_save_client.mjs CLIENTS_DIR KEY PATH...
import {pathToFileURL} from 'node:url';

const [clients, key, ...paths] = process.argv.slice(2);
const cache = await import(pathToFileURL(`${clients}/node_modules/@actions/cache/lib/cache.js`).href);
const start = performance.now();
let archived = 0;
let cpuAtArchive = null;
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  if (!archived && String(chunk).includes('File Size:')) {
    archived = performance.now();
    cpuAtArchive = process.cpuUsage();
  }
  return write(chunk, ...rest);
};
const id = await cache.saveCache(paths, key);
const end = performance.now();
const cpu = process.cpuUsage(cpuAtArchive ?? undefined);
if (id === -1 || !archived) {
  console.error('not saved');
  process.exit(1);
}
console.error(`archive_ms=${Math.round(archived - start)} upload_ms=${Math.round(end - archived)} total_ms=${Math.round(end - start)} client_cpu_ms=${Math.round((cpu.user + cpu.system) / 1000)}`);
