// Raw calls to sluice's runtime services, for what the toolkit clients never do on purpose:
// a missing or forged token, another run's ids.
//   node probe.mjs SERVICE METHOD JSON [TOKEN]   prints "<status> <body>"
// SERVICE is CacheService or ArtifactService; TOKEN defaults to ACTIONS_RUNTIME_TOKEN ("-"
// sends none). JSON may use the placeholders RUN and JOB for the token's own ids.
const [service, method, body, tokenArg] = process.argv.slice(2);
const token = tokenArg === undefined ? process.env.ACTIONS_RUNTIME_TOKEN : tokenArg;
const claims = JSON.parse(Buffer.from(process.env.ACTIONS_RUNTIME_TOKEN.split('.')[1], 'base64url'));
const [, run, job] = claims.scp.split(' ').find(s => s.startsWith('Actions.Results:')).split(':');
const headers = {'Content-Type': 'application/json'};
if (token !== '-') headers.Authorization = `Bearer ${token}`;
const url = new URL(`/twirp/github.actions.results.api.v1.${service}/${method}`,
                    process.env.ACTIONS_RESULTS_URL);
const response = await fetch(url, {
  method: 'POST', headers, body: body.replaceAll('RUN', run).replaceAll('JOB', job)});
console.log(`${response.status} ${await response.text()}`);
