// The demo page: connect a wallet (injected, or the built-in dev wallet),
// get session signatures from the local Lit network through
// js/lit-session.js, and show what came back, with the devnet's verdict on
// each node's signature.
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
let lit;
let client;
let clientKey = '';
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
  return { bootstrapUrls: urls, minNodeCount: Number($('#min-nodes').value) || 1 };
}

async function connectedClient() {
  const cfg = networkConfig();
  const key = JSON.stringify(cfg) + walletKind;
  if (client && key === clientKey && client.ready) return client;
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
  summaryRow(dl, 'Session key', `lit:session:${info.sessionPublicKey}${info.sessionKeyCreated ? ' (new)' : ''}`);
  summaryRow(dl, 'Expires', info.expiration);
  summaryRow(dl, 'Timings',
    `getSessionSigs ${info.timings.totalMs.toFixed(1)} ms (wallet ${info.timings.walletMs.toFixed(1)} ms); connect ${client.connectMs.toFixed(1)} ms`);
  if (info.warnings.length) summaryRow(dl, 'Warnings', info.warnings.join('; '));

  const nodes = Object.keys(sessionSigs);
  const first = JSON.parse(sessionSigs[nodes[0]].signedMessage);
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

  // The devnet's ready line, served by `make demo` as devnet.json.
  try {
    const resp = await fetch('devnet.json', { cache: 'no-store' });
    if (resp.ok) {
      const net = await resp.json();
      $('#nodes-input').value = net.nodes.join('\n');
      $('#min-nodes').value = net.threshold;
    }
  } catch { /* fill in by hand */ }
  if (!$('#nodes-input').value) {
    $('#nodes-input').value = ['http://127.0.0.1:7470', 'http://127.0.0.1:7471', 'http://127.0.0.1:7472'].join('\n');
  }

  const t0 = performance.now();
  try {
    lit = await load();
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
  document.body.dataset.ready = 'true';
}

main();
