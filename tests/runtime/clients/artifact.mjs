// A real @actions/artifact client (the version package-lock.json pins), run as a workflow
// step by tests/integration/test_run_artifacts.sh against sluice's runtime services.
//   node artifact.mjs upload NAME ROOT FILE...   prints "uploaded <id> <size> <digest>"
//   node artifact.mjs download NAME DIR          by name, as download-artifact does
//   node artifact.mjs download-all DIR [--merge] every artifact of the run; --merge puts them
//                                                all in DIR (merge-multiple), else DIR/<name>
//   node artifact.mjs list                       prints "<name> <size>" lines
//   node artifact.mjs delete NAME
// Downloads check the digest (the client compares it and fails the step on a mismatch).
import {DefaultArtifactClient} from '@actions/artifact';
import * as path from 'node:path';

const client = new DefaultArtifactClient();
const [command, ...args] = process.argv.slice(2);

async function download(artifact, dir) {
  const result = await client.downloadArtifact(artifact.id, {path: dir, expectedHash: artifact.digest});
  if (result.digestMismatch) throw new Error(`digest mismatch for ${artifact.name}`);
  console.log(`downloaded ${artifact.name} to ${result.downloadPath}`);
}

if (command === 'upload') {
  const [name, root, ...files] = args;
  const abs = files.map(f => path.resolve(root, f));
  const result = await client.uploadArtifact(name, abs, path.resolve(root), {retentionDays: 1});
  console.log(`uploaded ${result.id} ${result.size} ${result.digest}`);
} else if (command === 'download') {
  const [name, dir] = args;
  const {artifact} = await client.getArtifact(name);
  await download(artifact, dir);
} else if (command === 'download-all') {
  const [dir, merge] = args;
  const {artifacts} = await client.listArtifacts({latest: true});
  for (const artifact of artifacts)
    await download(artifact, merge === '--merge' ? dir : path.join(dir, artifact.name));
} else if (command === 'list') {
  const {artifacts} = await client.listArtifacts({latest: true});
  for (const a of artifacts.sort((x, y) => x.name.localeCompare(y.name))) console.log(`${a.name} ${a.size}`);
} else if (command === 'delete') {
  const {id} = await client.deleteArtifact(args[0]);
  console.log(`deleted ${id}`);
} else {
  console.error(`unknown command ${command}`);
  process.exit(2);
}
