// A real @actions/cache client (the version package-lock.json pins), run as a workflow step
// by tests/integration/test_run_cache.sh against sluice's runtime services.
//   node cache.mjs save KEY PATH...            prints "saved <id>" (or fails)
//   node cache.mjs restore KEY PATH [--restore-key K]...
//                                              prints "hit <matched key> exact=<bool>" or "miss"
// "exact" is what actions/cache reports as its cache-hit output (case-insensitive equality).
import * as cache from '@actions/cache';

const [command, key, ...rest] = process.argv.slice(2);
const paths = [];
const restoreKeys = [];
for (let i = 0; i < rest.length; i++) {
  if (rest[i] === '--restore-key') restoreKeys.push(rest[++i]);
  else paths.push(rest[i]);
}
if (!cache.isFeatureAvailable()) {
  console.log('cache service unavailable');
  process.exit(3);
}
if (command === 'save') {
  const id = await cache.saveCache(paths, key);
  if (id === -1) {
    console.log('not saved');
    process.exit(1);
  }
  console.log(`saved ${id}`);
} else if (command === 'restore') {
  const matched = await cache.restoreCache(paths, key, restoreKeys);
  if (matched === undefined) console.log('miss');
  else console.log(`hit ${matched} exact=${matched.localeCompare(key, undefined, {sensitivity: 'accent'}) === 0}`);
} else {
  console.error(`unknown command ${command}`);
  process.exit(2);
}
