import { load } from '@litgo/litsession';
import { runSession } from './session.js';

window.__result = runSession(load());
