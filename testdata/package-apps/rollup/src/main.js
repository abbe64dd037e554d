import { load } from '@litgo/litsession';
import wasmUrl from '@litgo/litsession/lit-session.wasm';
import pkpWasmUrl from '@litgo/litsession/lit-session-pkp.wasm';
import { runSession } from './session.js';

window.__result = runSession(load({ wasmUrl, pkpWasmUrl }));
