// The demo page: connect a wallet (injected, or the built-in dev wallet),
// get session signatures from the local Lit network through
// js/lit-session.js, and show what came back, with the devnet's verdict on
// each node's signature. Then hand the session to a server: mint a devnet
// PKP for the wallet, delegate from it to a new session key, send the
// envelope to the local worker (litsession serve) and check that the
// worker's signature recovers to the PKP's key. The network switch runs
// the whole page on either protocol generation (datil, v7; naga, v8), each
// with its own devnet and worker from make demo.
import {
  load, getSessionSigsInfo, LIT_ABILITY, LIT_RESOURCE_PREFIX,
  LitAccessControlConditionResource, LitPKPResource, LitRLIResource, LitActionResource,
} from '../js/lit-session.js';

// The devnet's session-protected endpoint (devnet.SessionVerifyPath): it
// checks one node's session signature for one resource and ability, and
// answers {"ok":true,…} or 401 {"ok":false,"reason",…}.
const VERIFY_PATH = '/web/session/verify';

const KINDS = {
  [LIT_RESOURCE_PREFIX.PKP]: { cls: LitPKPResource, abilities: [LIT_ABILITY.PKPSigning] },
  [LIT_RESOURCE_PREFIX.LitAction]: { cls: LitActionResource, abilities: [LIT_ABILITY.LitActionExecution] },
  [LIT_RESOURCE_PREFIX.AccessControlCondition]: {
    cls: LitAccessControlConditionResource,
    abilities: [LIT_ABILITY.AccessControlConditionDecryption, LIT_ABILITY.AccessControlConditionSigning],
  },
  [LIT_RESOURCE_PREFIX.RLI]: { cls: LitRLIResource, abilities: [LIT_ABILITY.RateLimitIncreaseAuth] },
};

const $ = (sel) => document.querySelector(sel);
// The naga cache is the v8 storage plugin's: lit-auth:<appName>:<networkName>:<address>.
const NAGA_CACHE = { appName: 'litsession-demo', networkName: 'naga-local' };

let lit;
let client;
let clientKey = '';
let network = 'datil';
const networks = {}; // generation → {devnet, worker}: make demo's ready lines
let provider;
let walletKind;

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('data-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) e.append(c);
  return e;
}

function showError(err) {
  const box = $('#error');
  if (!err) {
    box.hidden = true;
    box.textContent = '';
    return;
  }
  box.hidden = false;
  box.dataset.code = err.code || 'error';
  box.textContent = `${err.code || 'error'}: ${err.message}`;
}

// ---- resources ------------------------------------------------------------

function addResourceRow(prefix, id, checked) {
  const kind = el('select', { class: 'kind' });
  for (const p of Object.keys(KINDS)) kind.append(el('option', { value: p, textContent: p }));
  kind.value = prefix;
  const ability = el('select', { class: 'ability' });
  const fill = () => {
    ability.replaceChildren(...KINDS[kind.value].abilities.map((a) => el('option', { value: a, textContent: a })));
  };
  fill();
  kind.addEventListener('change', fill);
  const row = el('tr', {},
    el('td', {}, el('input', { type: 'checkbox', class: 'use', checked })),
    el('td', {}, kind),
    el('td', {}, el('input', { type: 'text', class: 'id', value: id, size: 30 })),
    el('td', {}, ability));
  $('#resources tbody').append(row);
}

function requests() {
  const out = [];
  for (const row of document.querySelectorAll('#resources tbody tr')) {
    if (!row.querySelector('.use').checked) continue;
    const prefix = row.querySelector('.kind').value;
    const id = row.querySelector('.id').value.trim() || '*';
    out.push({ resource: new KINDS[prefix].cls(id), ability: row.querySelector('.ability').value });
  }
  return out;
}

// ---- wallet ---------------------------------------------------------------

function chooseWallet(kind) {
  walletKind = kind;
  $('#dev-wallet-note').hidden = kind !== 'dev';
  provider = kind === 'dev' ? lit.createDevWallet() : window.ethereum;
  client = undefined; // the client is bound to a provider
  $('#wallet-status').textContent = kind === 'dev'
    ? `Dev wallet ${provider.address} (not yet connected).`
    : 'Injected wallet (not yet connected).';
}

async function connectWallet() {
  const accounts = await provider.request({ method: 'eth_requestAccounts' });
  const label = walletKind === 'dev' ? 'Dev wallet' : 'Injected wallet';
  $('#wallet-status').textContent = `${label} connected: ${accounts[0]}`;
  $('#wallet-status').dataset.account = accounts[0];
  return accounts[0];
}

// ---- network --------------------------------------------------------------

function networkConfig() {
  const urls = $('#nodes-input').value.split(/\s+/).filter(Boolean);
  const cfg = { bootstrapUrls: urls, minNodeCount: Number($('#min-nodes').value) || 1 };
  if (network === 'naga') {
    // naga reads node prices from the chain, and caches in v8's layout.
    Object.assign(cfg, { network: 'naga', rpcUrl: devnetInfo && devnetInfo.rpcUrl }, NAGA_CACHE);
  }
  return cfg;
}

// chooseNetwork switches the page to one generation's devnet and worker.
function chooseNetwork(name) {
  network = name;
  client = undefined;
  const n = networks[name] || {};
  devnetInfo = n.devnet;
  workerInfo = n.worker;
  if (devnetInfo) {
    $('#nodes-input').value = devnetInfo.nodes.join('\n');
    $('#min-nodes').value = devnetInfo.threshold;
  }
  $('#result').hidden = true;
  $('#handoff-result').hidden = true;
  $('#network-status').textContent = lit ? `lit-session ${lit.version}: ${name}, not connected yet.` : $('#network-status').textContent;
  if (workerInfo && devnetInfo) {
    $('#worker-url').textContent = workerInfo.url;
    $('#handoff-status').textContent = `Worker (${name}) ready at ${workerInfo.url}.`;
  } else {
    $('#worker-url').textContent = '(none)';
    $('#handoff-status').textContent = `No local ${name} worker: start the page with make demo to try the hand-off.`;
  }
  $('#handoff').disabled = !(lit && workerInfo && devnetInfo);
  document.body.dataset.network = name;
}

async function connectedClient() {
  const cfg = networkConfig();
  const key = JSON.stringify(cfg) + walletKind;
  if (client && key === clientKey && client.ready) return client;
  if (network === 'naga' && !cfg.rpcUrl) throw apiError('no_devnet', 'naga needs the chain RPC for node prices: start the page with make demo');
  client = lit.createClient({ ...cfg, provider });
  clientKey = key;
  $('#network-status').textContent = 'Connecting…';
  await client.connect();
  $('#network-status').textContent =
    `Connected to ${client.connectedNodes.length} nodes in ${client.connectMs.toFixed(0)} ms; latest blockhash ${client.latestBlockhash}.`;
  return client;
}

// ---- result ---------------------------------------------------------------

function decodeRecap(siwe) {
  const m = siwe.match(/urn:recap:([A-Za-z0-9_-]+)/);
  if (!m) return null;
  const b64 = m[1].replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

async function verdict(node, sessionSig, req) {
  try {
    const resp = await fetch(node + VERIFY_PATH, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ authSig: sessionSig, resource: req.resource.getResourceKey(), ability: req.ability }),
    });
    if (resp.status === 404) return { ok: false, missing: true, reason: `the devnet has no ${VERIFY_PATH} endpoint` };
    const body = await resp.json().catch(() => ({}));
    if (typeof body.ok !== 'boolean') return { ok: false, reason: body.message || `HTTP ${resp.status}` };
    return body;
  } catch (err) {
    return { ok: false, reason: `request failed: ${err.message}` };
  }
}

function summaryRow(dl, term, ...value) {
  dl.append(el('dt', {}, term), el('dd', {}, ...value));
}

async function showResult(sessionSigs, reqs) {
  const info = getSessionSigsInfo(sessionSigs);
  window.litDemo = { sessionSigs, info }; // for the console and the browser test
  const dl = $('#summary');
  dl.replaceChildren();
  dl.dataset.walletAsked = info.walletAsked;
  dl.dataset.cacheReused = info.cacheReused;
  summaryRow(dl, 'Wallet',
    info.walletAsked
      ? el('span', { class: 'badge asked' }, 'asked to sign')
      : el('span', { class: 'badge cached' }, 'not asked: cached signature reused'),
    info.reason ? ` — ${info.reason}` : '');
  summaryRow(dl, 'Wallet address', info.walletAddress);
  summaryRow(dl, 'Protocol', network === 'naga'
    ? `naga (v8): signed for the ${Object.keys(sessionSigs).length} cheapest of ${client.connectedNodes.length} nodes, each with its maxPrice`
    : `datil (v7): signed for all ${client.connectedNodes.length} nodes`);
  summaryRow(dl, 'Session key', `lit:session:${info.sessionPublicKey}${info.sessionKeyCreated ? ' (new)' : ''}`);
  summaryRow(dl, 'Expires', info.expiration);
  summaryRow(dl, 'Timings',
    `getSessionSigs ${info.timings.totalMs.toFixed(1)} ms (wallet ${info.timings.walletMs.toFixed(1)} ms); connect ${client.connectMs.toFixed(1)} ms`);
  if (info.warnings.length) summaryRow(dl, 'Warnings', info.warnings.join('; '));

  const nodes = Object.keys(sessionSigs);
  const first = JSON.parse(sessionSigs[nodes[0]].signedMessage);
  dl.dataset.network = network;
  const walletSig = first.capabilities[first.capabilities.length - 1];
  $('#siwe').textContent = walletSig.signedMessage;
  $('#recap').textContent = JSON.stringify(decodeRecap(walletSig.signedMessage), null, 2);

  const body = $('#node-sigs tbody');
  body.replaceChildren();
  const cells = nodes.map((node) => {
    const cell = el('td', { class: 'verdict' }, 'checking…');
    const sig = sessionSigs[node].sig;
    body.append(el('tr', { 'data-node': node },
      el('td', {}, el('code', {}, node)),
      el('td', {}, el('code', { title: sig }, `${sig.slice(0, 24)}…${sig.slice(-8)}`)),
      cell));
    return cell;
  });
  $('#result').hidden = false;
  await Promise.all(nodes.map(async (node, i) => {
    const v = await verdict(node, sessionSigs[node], reqs[0]);
    const cell = cells[i];
    cell.parentElement.dataset.verdict = v.ok ? 'ok' : (v.missing ? 'missing' : 'rejected');
    cell.replaceChildren(v.ok
      ? el('span', { class: 'badge ok' }, 'accepted')
      : el('span', { class: 'badge bad' }, v.missing ? 'no endpoint' : 'rejected'),
    v.ok ? ` ${reqs[0].ability} on ${reqs[0].resource}` : ` ${v.reason || ''}`);
  }));
  $('#node-sigs').dataset.done = 'true';
}

// ---- hand-off to a server ---------------------------------------------------

// The devnet's admin endpoint that mints a PKP (devnet.MintPath).
const MINT_PATH = '/devnet/pkp/mint';
let devnetInfo; // devnet.json: {rpcUrl, nodes, threshold, …}
let workerInfo; // worker.json: {url, …}
const pkps = new Map(); // network + owner (lower case) → PKP minted this session
// The worker's id for the last envelope. It is a capability (whoever has it
// can have the worker sign), so it is kept here and never shown.
let envelopeId;

function showHandoffError(err) {
  const box = $('#handoff-error');
  box.hidden = !err;
  box.textContent = err ? `${err.code || 'error'}: ${err.message}` : '';
  if (err) box.dataset.code = err.code || 'error';
}

function apiError(code, message) {
  const e = new Error(message);
  e.code = code;
  return e;
}

// requestJSON sends a JSON request and returns the JSON answer; a non-2xx
// answer becomes an Error with the server's code and message.
async function requestJSON(method, url, body) {
  let resp;
  try {
    resp = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch (err) {
    throw apiError('unreachable', `${method} ${url} failed: ${err.message}; is make demo running?`);
  }
  const text = await resp.text();
  let data;
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    data = {};
  }
  if (!resp.ok) {
    const reason = data.reason ? ` (${data.reason})` : '';
    throw apiError(data.error || data.errorCode || `http_${resp.status}`, `${method} ${new URL(url).pathname}: HTTP ${resp.status}${reason}: ${data.message || text}`);
  }
  return data;
}

async function mintPkp(owner) {
  const key = `${network}:${owner.toLowerCase()}`;
  if (!pkps.has(key)) {
    pkps.set(key, await requestJSON('POST', devnetInfo.rpcUrl + MINT_PATH, { owner }));
  }
  return pkps.get(key);
}

function short(hex, head = 18, tail = 8) {
  return hex.length > head + tail + 1 ? `${hex.slice(0, head)}…${hex.slice(-tail)}` : hex;
}

function codeEl(text, full) {
  return el('code', { title: full || text }, text);
}

async function handOff() {
  showHandoffError(null);
  const status = $('#handoff-status');
  const dl = $('#handoff-result');
  $('#handoff').disabled = true;
  $('#handoff-delete').disabled = true;
  dl.hidden = true;
  dl.dataset.done = 'false';
  const t = {};
  const timed = async (name, fn) => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      t[name] = performance.now() - t0;
    }
  };
  try {
    if (!workerInfo || !devnetInfo) throw apiError('no_worker', 'no local worker or devnet: start the page with make demo');
    const text = $('#handoff-text').value;
    const c = await connectedClient();
    const owner = $('#wallet-status').dataset.account || await connectWallet();

    status.textContent = 'Minting a PKP for the wallet on the devnet…';
    const pkp = await timed('mintMs', () => mintPkp(owner));

    status.textContent = 'Loading the PKP module…';
    const tools = await timed('pkpModuleMs', () => lit.loadPkp());

    status.textContent = 'Asking the nodes for a delegation (the wallet signs an auth method)…';
    const expiration = new Date(Date.now() + Number($('#handoff-expiry').value) * 1000).toISOString();
    let delegation = await timed('delegationMs', () => c.generatePkpDelegationAuthSig({
      pkpPublicKey: pkp.publicKey,
      resourceAbilityRequests: [{ resource: new LitPKPResource(pkp.tokenId), ability: LIT_ABILITY.PKPSigning }],
      expiration,
    }));

    // The envelope carries the session secret: it goes to the worker and
    // nowhere else (not the page, not the console), and is dropped after.
    status.textContent = `Sending the envelope to the worker at ${workerInfo.url}…`;
    let envelope = tools.createDelegationEnvelope({ pkpPublicKey: pkp.publicKey, ...delegation });
    const envelopeBytes = JSON.stringify(envelope).length;
    const stored = await timed('storeMs', () => requestJSON('POST', `${workerInfo.url}/envelopes`, envelope));
    envelope = undefined;
    delegation = undefined;
    envelopeId = stored.id;

    status.textContent = 'The worker is signing with the PKP…';
    const digest = tools.keccak256(text);
    const sig = await timed('signMs', () => requestJSON('POST', `${workerInfo.url}/sign`, { id: envelopeId, toSign: digest }));
    const { id: _id, ...described } = stored; // the worker's description without the id
    const recovered = tools.recoverPublicKey(digest, { r: sig.r, s: sig.s, recid: sig.recid });
    const recoveredJoined = tools.recoverPublicKey(digest, sig.signature);
    const match = recovered === pkp.publicKey && recoveredJoined === pkp.publicKey;

    window.litDemo = {
      ...window.litDemo,
      handoff: { pkp, worker: { url: workerInfo.url, ...described }, text, digest, signature: sig, recovered, match, timings: t },
    };
    dl.replaceChildren();
    summaryRow(dl, 'PKP', codeEl(short(pkp.publicKey, 22, 10), pkp.publicKey), ` (${pkp.ethAddress}), minted on the devnet for ${owner}`);
    summaryRow(dl, 'Session key', codeEl(stored.sessionKey), ' (new; its secret is only in the envelope)');
    summaryRow(dl, 'Delegation expires', stored.expiration);
    summaryRow(dl, 'Scope', ...stored.resources.flatMap((r, i) => (i ? [', ', codeEl(r)] : [codeEl(r)])));
    summaryRow(dl, 'Envelope', `${envelopeBytes} bytes, sent only to ${workerInfo.url}; the worker validated it against the network and stored it (its id is a capability and is not shown)`);
    summaryRow(dl, 'Digest', codeEl(digest), ` = keccak256(${JSON.stringify(text)})`);
    summaryRow(dl, "Worker's signature", codeEl(short(sig.signature, 24, 10), sig.signature), ` (recid ${sig.recid})`);
    summaryRow(dl, 'Recovers to', codeEl(short(recovered, 22, 10), recovered), ' ',
      match
        ? el('span', { class: 'badge ok' }, 'the PKP key')
        : el('span', { class: 'badge bad' }, 'NOT the PKP key'));
    summaryRow(dl, 'Timings',
      `mint ${t.mintMs.toFixed(0)} ms, PKP module ${t.pkpModuleMs.toFixed(0)} ms, delegation ${t.delegationMs.toFixed(0)} ms (with the wallet), ` +
      `worker store ${t.storeMs.toFixed(0)} ms, worker sign ${t.signMs.toFixed(0)} ms`);
    dl.dataset.match = String(match);
    dl.dataset.pkp = pkp.publicKey;
    dl.dataset.recovered = recovered;
    dl.hidden = false;
    status.textContent = match
      ? 'Done: the worker signed as the PKP, without the wallet.'
      : 'The worker answered, but its signature does not recover to the PKP key.';
    $('#handoff-delete').disabled = false;
  } catch (err) {
    showHandoffError(err);
    status.textContent = 'Hand-off failed.';
  } finally {
    dl.dataset.done = 'true';
    $('#handoff').disabled = false;
  }
}

async function deleteEnvelope() {
  showHandoffError(null);
  if (!envelopeId) return;
  try {
    await requestJSON('DELETE', `${workerInfo.url}/envelopes/${envelopeId}`);
    envelopeId = undefined;
    $('#handoff-delete').disabled = true;
    $('#handoff-status').textContent = 'The worker deleted the envelope. (Anyone who copied it could still use it until it expires.)';
    $('#handoff-status').dataset.deleted = 'true';
  } catch (err) {
    showHandoffError(err);
  }
}

// ---- actions --------------------------------------------------------------

// The session's expiration is fixed when first used and kept until the
// expiry choice changes or the wallet disconnects: a later explicit
// expiration than the cached wallet signature's makes the wallet sign again.
let expiration;
let expirationChoice;
function sessionExpiration() {
  const choice = $('#expiry').value;
  if (!expiration || choice !== expirationChoice || Date.parse(expiration) - Date.now() < 60_000) {
    expiration = new Date(Date.now() + Number(choice) * 1000).toISOString();
    expirationChoice = choice;
  }
  return expiration;
}

async function getSigs() {
  showError(null);
  $('#get-sigs').disabled = true;
  $('#node-sigs').dataset.done = 'false';
  try {
    const reqs = requests();
    const c = await connectedClient();
    const expiration = sessionExpiration();
    const sessionSigs = await c.getSessionSigs({ chain: 'ethereum', resourceAbilityRequests: reqs, expiration });
    if (!$('#wallet-status').dataset.account) await connectWallet().catch(() => {});
    await showResult(sessionSigs, reqs);
  } catch (err) {
    showError(err);
    $('#network-status').textContent = client && client.ready ? $('#network-status').textContent : 'Not connected.';
  } finally {
    $('#get-sigs').disabled = false;
  }
}

function disconnect() {
  showError(null);
  try {
    lit.disconnectWeb3();
    // naga's cache entries are per app and address; this page's app name
    // marks its own.
    for (const k of Object.keys(localStorage)) {
      if (k.startsWith(`lit-auth:${NAGA_CACHE.appName}:`) || k.startsWith(`lit-auth:${NAGA_CACHE.appName}-inner-delegation:`)) {
        localStorage.removeItem(k);
      }
    }
    expiration = undefined;
    $('#result').hidden = true;
    $('#wallet-status').textContent = 'Disconnected: the cached wallet signature and session key were removed.';
    delete $('#wallet-status').dataset.account;
  } catch (err) {
    showError(err);
  }
}

async function main() {
  addResourceRow(LIT_RESOURCE_PREFIX.PKP, '*', true);
  addResourceRow(LIT_RESOURCE_PREFIX.LitAction, '*', true);
  $('#add-resource').addEventListener('click', () => addResourceRow(LIT_RESOURCE_PREFIX.AccessControlCondition, '*', true));
  $('#get-sigs').addEventListener('click', getSigs);
  $('#disconnect').addEventListener('click', disconnect);
  $('#connect-wallet').addEventListener('click', () => connectWallet().catch(showError));
  for (const r of document.querySelectorAll('input[name=wallet]')) {
    r.addEventListener('change', () => chooseWallet(r.value));
  }

  $('#handoff').addEventListener('click', handOff);
  $('#handoff-delete').addEventListener('click', deleteEnvelope);

  // The devnets' and the workers' ready lines, served by `make demo` as
  // devnet.json and worker.json (datil), devnet-naga.json and
  // worker-naga.json (naga).
  const readJSON = async (path) => {
    try {
      const resp = await fetch(path, { cache: 'no-store' });
      return resp.ok ? await resp.json() : undefined;
    } catch {
      return undefined;
    }
  };
  for (const [name, suffix] of [['datil', ''], ['naga', '-naga']]) {
    const [devnet, worker] = await Promise.all([readJSON(`devnet${suffix}.json`), readJSON(`worker${suffix}.json`)]);
    if (devnet) networks[name] = { devnet, worker };
  }
  const select = $('#network-select');
  for (const o of select.options) o.disabled = !networks[o.value] && Object.keys(networks).length > 0;
  const first = networks.datil || !networks.naga ? 'datil' : 'naga';
  select.value = first;
  chooseNetwork(first);
  select.addEventListener('change', () => chooseNetwork(select.value));
  if (!$('#nodes-input').value) {
    $('#nodes-input').value = ['http://127.0.0.1:7470', 'http://127.0.0.1:7471', 'http://127.0.0.1:7472'].join('\n');
  }

  const t0 = performance.now();
  try {
    lit = await load({ warmUp: true }); // the first connect and getSessionSigs then run compiled code
  } catch (err) {
    $('#network-status').textContent = 'The WebAssembly module did not load.';
    showError(err);
    return;
  }
  window.litDemoLoadMs = performance.now() - t0;
  $('#network-status').textContent = `lit-session ${lit.version} loaded in ${window.litDemoLoadMs.toFixed(0)} ms; not connected yet.`;
  const injected = typeof window.ethereum === 'object' && window.ethereum !== null;
  $('#wallet-injected').disabled = !injected;
  const kind = injected ? 'injected' : 'dev';
  $(`#wallet-${kind}`).checked = true;
  chooseWallet(kind);
  $('#get-sigs').disabled = false;
  chooseNetwork(network);
  document.body.dataset.ready = 'true';
}

main();
