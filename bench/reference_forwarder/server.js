'use strict';
// Reference forwarder for the benchmark: what a user would write by hand on Meta's official Node SDK
// (facebook-nodejs-business-sdk) to take the same CAPI-shaped JSON that sidetag's capi_json source takes and send
// it on to the Conversions API. One Graph request per incoming request (EventRequest(...).execute()), answered
// once Graph has answered; the SDK normalises and SHA-256 hashes the raw PII inside execute().
//
// With BATCH_MAX_DELAY_MS > 0 it batches instead (the variant a more careful developer writes): events are queued,
// the client gets 200 at once, and one EventRequest carries up to BATCH_MAX_EVENTS (default 1000, Graph's limit)
// events, sent when the batch is full or BATCH_MAX_DELAY_MS after its first event. Nothing is persisted: queued
// events are lost on a crash, and a Graph failure is only logged.
//
// Env:
//   PORT (default 8090), HOST (127.0.0.1)
//   API_KEY            the Bearer key clients must send (Authorization: Bearer <key>)
//   META_TOKEN         Graph access token, PIXEL_ID, TEST_EVENT_CODE (optional)
//   GRAPH_URL          e.g. http://127.0.0.1:8081: replaces the SDK's https://graph.facebook.com (benchmark fake)
//   MAX_BODY_BYTES     default 4194304 (sidetag's server.max_body_bytes in the benchmark)
//   BATCH_MAX_DELAY_MS default 0 (no batching), BATCH_MAX_EVENTS default 1000
// Plain CommonJS and core modules only, so it runs on Debian 12's Node 18 as well as on newer Node.
const http = require('http');
const https = require('https');
const crypto = require('crypto');
const path = require('path');
const bizSdk = require('facebook-nodejs-business-sdk');

const {FacebookAdsApi, EventRequest, ServerEvent, UserData, CustomData} = bizSdk;

const PORT = Number(process.env.PORT || 8090);
const HOST = process.env.HOST || '127.0.0.1';
const API_KEY = Buffer.from(process.env.API_KEY || '');
const ACCESS_TOKEN = process.env.META_TOKEN || '';
const PIXEL_ID = process.env.PIXEL_ID || '';
const TEST_EVENT_CODE = process.env.TEST_EVENT_CODE || null;
const MAX_BODY_BYTES = Number(process.env.MAX_BODY_BYTES || 4 * 1024 * 1024);
const BATCH_MAX_DELAY_MS = Number(process.env.BATCH_MAX_DELAY_MS || 0);
const BATCH_MAX_EVENTS = Math.min(1000, Number(process.env.BATCH_MAX_EVENTS || 1000));

if (!API_KEY.length || !ACCESS_TOKEN || !PIXEL_ID) {
  console.error('reference forwarder: API_KEY, META_TOKEN and PIXEL_ID are required');
  process.exit(2);
}

// The SDK builds every Graph URL from the static getter FacebookAdsApi.GRAPH ('https://graph.facebook.com').
if (process.env.GRAPH_URL) {
  const graphUrl = process.env.GRAPH_URL.replace(/\/+$/, '');
  Object.defineProperty(FacebookAdsApi, 'GRAPH', {get: () => graphUrl, configurable: true});
}

// The SDK sends with axios (its own dependency, not configurable through the SDK's API). Keep-alive on the
// outgoing connections through axios' defaults: the SDK's module-level require('axios') is the same instance.
// Node 19+ keeps connections alive by default, Node 18 does not, so set it explicitly.
const sdkDir = path.dirname(require.resolve('facebook-nodejs-business-sdk'));
const axios = require(require.resolve('axios', {paths: [sdkDir]}));
axios.defaults.httpAgent = new http.Agent({keepAlive: true});
axios.defaults.httpsAgent = new https.Agent({keepAlive: true});

const USER_DATA_SETTERS = {
  em: ['setEmail', 'setEmails'],
  ph: ['setPhone', 'setPhones'],
  fn: ['setFirstName', 'setFirstNames'],
  ln: ['setLastName', 'setLastNames'],
  db: ['setDateOfBirth', 'setDatesOfBirth'],
  ge: ['setGender', 'setGenders'],
  ct: ['setCity', 'setCities'],
  st: ['setState', 'setStates'],
  zp: ['setZip', 'setZips'],
  country: ['setCountry', 'setCountries'],
  external_id: ['setExternalId', 'setExternalIds'],
  client_ip_address: ['setClientIpAddress'],
  client_user_agent: ['setClientUserAgent'],
  fbc: ['setFbc'],
  fbp: ['setFbp'],
};

const CUSTOM_DATA_SETTERS = {
  value: 'setValue',
  currency: 'setCurrency',
  content_name: 'setContentName',
  content_category: 'setContentCategory',
  content_ids: 'setContentIds',
  content_type: 'setContentType',
  order_id: 'setOrderId',
  predicted_ltv: 'setPredictedLtv',
  num_items: 'setNumItems',
  search_string: 'setSearchString',
  status: 'setStatus',
};

function toUserData(u) {
  const userData = new UserData();
  for (const key of Object.keys(u || {})) {
    const setters = USER_DATA_SETTERS[key];
    const v = u[key];
    if (!setters || v === null || v === undefined) continue;
    if (Array.isArray(v)) {
      if (setters[1]) userData[setters[1]](v.map(String));
    } else {
      userData[setters[0]](String(v));
    }
  }
  return userData;
}

function toCustomData(c) {
  const customData = new CustomData();
  let custom = null;
  for (const key of Object.keys(c)) {
    const setter = CUSTOM_DATA_SETTERS[key];
    if (setter) {
      customData[setter](c[key]);
    } else {
      (custom || (custom = {}))[key] = c[key];
    }
  }
  if (custom) customData.setCustomProperties(custom);
  return customData;
}

function toServerEvent(e) {
  if (!e || typeof e !== 'object' || typeof e.event_name !== 'string') {
    throw new BadRequest('every event needs an event_name');
  }
  const ev = new ServerEvent()
    .setEventName(e.event_name)
    .setEventTime(Number(e.event_time) || Math.floor(Date.now() / 1000))
    .setUserData(toUserData(e.user_data))
    .setActionSource(e.action_source || 'website');
  if (e.event_id) ev.setEventId(String(e.event_id));
  if (e.event_source_url) ev.setEventSourceUrl(e.event_source_url);
  if (e.custom_data) ev.setCustomData(toCustomData(e.custom_data));
  if (e.opt_out !== undefined) ev.setOptOut(e.opt_out);
  if (e.data_processing_options) ev.setDataProcessingOptions(e.data_processing_options);
  return ev;
}

class BadRequest extends Error {}

function authorized(req) {
  const auth = req.headers.authorization || '';
  if (auth.length < 7 || auth.slice(0, 7).toLowerCase() !== 'bearer ') return false;
  const key = Buffer.from(auth.slice(7).trim());
  return key.length === API_KEY.length && crypto.timingSafeEqual(key, API_KEY);
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text)});
  res.end(text);
}

// Graph requests in flight (shutdown waits for them).
let inflight = 0;
function track(promise) {
  inflight++;
  const done = () => { inflight--; };
  promise.then(done, done);
  return promise;
}

// Batch mode: one queue (one pixel, one test_event_code from the environment).
const queue = [];
let flushTimer = null;

function sendBatch(events) {
  const request = new EventRequest(ACCESS_TOKEN, PIXEL_ID).setEvents(events);
  if (TEST_EVENT_CODE) request.setTestEventCode(TEST_EVENT_CODE);
  let pending;
  try {
    pending = request.execute();  // normalises + hashes every event; one invalid value throws for the whole batch
  } catch (e) {
    const valid = events.filter((ev) => {
      try {
        ev.normalize();
        return true;
      } catch (err) {
        return false;
      }
    });
    console.error(`batch: dropped ${events.length - valid.length} invalid event(s): ${e.message}`);
    if (valid.length && valid.length < events.length) sendBatch(valid);
    return;
  }
  track(pending).catch((e) => console.error(`batch of ${events.length} events failed: ${e.status || ''} ${e.message}`));
}

function flush() {
  if (flushTimer) clearTimeout(flushTimer);
  flushTimer = null;
  while (queue.length) sendBatch(queue.splice(0, BATCH_MAX_EVENTS));
}

async function forward(body) {
  let doc;
  try {
    doc = JSON.parse(body);
  } catch (e) {
    throw new BadRequest('body is not valid JSON');
  }
  if (!doc || !Array.isArray(doc.data) || doc.data.length === 0) {
    throw new BadRequest('body must be {"data":[...events]}');
  }
  const events = doc.data.map(toServerEvent);
  if (BATCH_MAX_DELAY_MS > 0) {
    for (const ev of events) queue.push(ev);
    if (queue.length >= BATCH_MAX_EVENTS) flush();
    else if (!flushTimer) flushTimer = setTimeout(flush, BATCH_MAX_DELAY_MS);
    return {events_received: events.length, fbtrace_id: null, queued: true};
  }
  const request = new EventRequest(ACCESS_TOKEN, PIXEL_ID).setEvents(events);
  const testEventCode = doc.test_event_code || TEST_EVENT_CODE;
  if (testEventCode) request.setTestEventCode(testEventCode);
  let pending;
  try {
    pending = request.execute();  // normalises + hashes here: invalid PII (email, phone, country...) throws
  } catch (e) {
    throw new BadRequest(e.message);
  }
  return track(pending);
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && (req.url === '/healthz' || req.url === '/readyz')) {
    return send(res, 200, {status: 'ok'});
  }
  if (req.url !== '/v1/events') return send(res, 404, {error: 'not found'});
  if (req.method !== 'POST') return send(res, 405, {error: 'method not allowed'});
  if (!authorized(req)) return send(res, 401, {error: 'missing or invalid API key'});
  const chunks = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) tooLarge = true;
    else chunks.push(chunk);
  });
  req.on('end', () => {
    if (tooLarge) return send(res, 413, {error: 'body too large'});
    forward(Buffer.concat(chunks).toString('utf8')).then(
      (r) => send(res, 200, {events_received: r.events_received, fbtrace_id: r.fbtrace_id, queued: !!r.queued}),
      (e) => {
        if (e instanceof BadRequest) return send(res, 400, {error: e.message});
        // FacebookRequestError (Graph answered non-2xx) or a network error
        const status = e && e.status;
        send(res, 502, {error: 'Graph API request failed', graph_status: status || null, message: e && e.message});
      });
  });
});
server.keepAliveTimeout = 65000;
server.listen(PORT, HOST, () => {
  console.log(`reference forwarder listening on http://${HOST}:${PORT}, Graph ${FacebookAdsApi.GRAPH}, ` +
              `SDK ${FacebookAdsApi.SDK_VERSION} (${FacebookAdsApi.VERSION}), node ${process.version}, ` +
              (BATCH_MAX_DELAY_MS > 0 ? `batches of up to ${BATCH_MAX_EVENTS} events / ${BATCH_MAX_DELAY_MS} ms`
                                      : 'one Graph request per incoming request'));
});
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    flush();  // batch mode: send what is queued
    server.close();
    server.closeIdleConnections();  // Node >= 18.2
    const deadline = Date.now() + 2000;
    const exitWhenIdle = () => (inflight === 0 || Date.now() > deadline ? process.exit(0) : setTimeout(exitWhenIdle, 10));
    exitWhenIdle();
  });
}
