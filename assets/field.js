// The field app: works with or without a connection. Everything recorded goes into a queue
// in IndexedDB first and is sent to /api/v1/sync whenever a request succeeds; the phone never
// trusts navigator.onLine. Data kept on the phone is the caller's hamlet (or assigned
// households) only, and is wiped on logout or when another account logs in.
(function () {
  'use strict';

  var DB_NAME = 'congdongso-field';
  var RETRY_MS = 15000;
  var root = document.getElementById('field-app');
  if (!root) return;

  var st = {
    base: null,        // the server's snapshot
    data: null,        // the snapshot with this phone's unsent records applied
    queue: [],
    csrf: null,
    online: null,
    needLogin: false,
    tab: 'todo',
    q: '',
    open: null,        // {rid, service} of the chip whose actions are shown
    activity: '',      // '' = today's door-to-door round, else an activity id or client id
    flushing: false,
    notice: '',
    guides: null       // {etag, data} of /api/v1/field/guides, kept on the phone
  };

  // ---------- IndexedDB ----------
  var dbp = null;
  function idb() {
    if (dbp) return dbp;
    dbp = new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () {
        var db = req.result;
        db.createObjectStore('kv');
        db.createObjectStore('queue', { keyPath: 'id' });
      };
      req.onsuccess = function () {
        var db = req.result;
        // Let a logout in another tab delete the database.
        db.onversionchange = function () { db.close(); dbp = null; };
        resolve(db);
      };
      req.onerror = function () { reject(req.error); };
    });
    return dbp;
  }
  function tx(store, mode, fn) {
    return idb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(store, mode);
        var out = fn(t.objectStore(store));
        t.oncomplete = function () { resolve(out instanceof IDBRequest ? out.result : undefined); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error); };
      });
    });
  }
  function kvGet(k) { return tx('kv', 'readonly', function (s) { return s.get(k); }); }
  function kvPut(k, v) { return tx('kv', 'readwrite', function (s) { s.put(v, k); }); }
  function kvDel(k) { return tx('kv', 'readwrite', function (s) { s.delete(k); }); }
  function kvKeys() { return tx('kv', 'readonly', function (s) { return s.getAllKeys(); }); }
  function qAll() { return tx('queue', 'readonly', function (s) { return s.getAll(); }); }
  function qPut(r) { return tx('queue', 'readwrite', function (s) { s.put(r); }); }
  function qDel(id) { return tx('queue', 'readwrite', function (s) { s.delete(id); }); }
  function wipe() {
    return Promise.all([
      tx('kv', 'readwrite', function (s) { s.clear(); }),
      tx('queue', 'readwrite', function (s) { s.clear(); })
    ]);
  }

  // ---------- helpers ----------
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }
  function today() {
    var d = new Date(Date.now() + 7 * 3600 * 1000);
    return d.toISOString().slice(0, 10);
  }
  function fmtDate(d) { return d ? d.slice(8, 10) + '/' + d.slice(5, 7) + '/' + d.slice(0, 4) : ''; }
  function fold(s) {
    return (s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '')
      .replace(/đ/g, 'd').replace(/Đ/g, 'd').toLowerCase().replace(/\s+/g, ' ').trim();
  }
  function same(a, b) { return String(a) === String(b); }
  // Builds DOM nodes; text is always set as text, never parsed as HTML.
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
        else if (k === 'text') el.textContent = v;
        else el.setAttribute(k, v === true ? '' : v);
      });
    }
    append(el, Array.prototype.slice.call(arguments, 2));
    return el;
  }
  function append(el, c) {
    if (c === null || c === undefined || c === false || c === '') return;
    if (Array.isArray(c)) c.forEach(function (x) { append(el, x); });
    else el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  function svcName(code) {
    var s = (st.data.services || []).filter(function (x) { return x.code === code; })[0];
    return s ? s.short_name : code;
  }
  function kindName(list, code) {
    var k = (list || []).filter(function (x) { return x.code === code; })[0];
    return k ? k.name : code;
  }
  function age(r) {
    return r.birth_year ? Number(st.data.today.slice(0, 4)) - r.birth_year : null;
  }

  // ---------- network ----------
  function setOnline(v) {
    if (st.online !== v) { st.online = v; softRender(); }
  }
  function call(method, url, body, extra) {
    var headers = { 'Accept': 'application/json' };
    if (extra) Object.keys(extra).forEach(function (k) { headers[k] = extra[k]; });
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && st.csrf) headers['X-CSRF-Token'] = st.csrf;
    return fetch(url, {
      method: method, credentials: 'same-origin', headers: headers, cache: 'no-store',
      redirect: 'manual', body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (res) {
      // A request that reached the server means we are online, whatever navigator.onLine says.
      setOnline(true);
      if (res.status === 401 || res.type === 'opaqueredirect') {
        st.needLogin = true;
        softRender();
        throw new Error('login');
      }
      st.needLogin = false;
      return res;
    }, function (err) { setOnline(false); throw err; });
  }

  var refreshSeq = 0, refreshed = 0;
  function refresh() {
    var mine = ++refreshSeq;
    return call('GET', '/api/v1/me').then(function (res) { return res.json(); }).then(function (me) {
      st.csrf = me.csrf_token;
      document.querySelectorAll('input[name=_csrf]').forEach(function (i) { i.value = me.csrf_token; });
      return kvGet('owner').then(function (owner) {
        if (owner !== undefined && owner !== me.account_id) {
          // Another account on this phone: nothing of the previous one may stay.
          return wipe().then(function () { st.queue = []; st.base = null; st.guides = null; });
        }
      }).then(function () { return kvPut('owner', me.account_id); });
    }).then(function () {
      // Only what changed since the copy on the phone; the whole hamlet on first use or when
      // the server answers full.
      var cur = st.base && st.base.cursor;
      if (!cur) return call('GET', '/api/v1/field/data');
      return call('GET', '/api/v1/field/data?since=' + encodeURIComponent(cur), undefined, { 'If-None-Match': '"' + cur + '"' });
    }).then(function (res) {
      if (res.status === 304) return null;
      if (!res.ok) return res.json().then(function (e) { throw new Error(e.error || 'Lỗi ' + res.status); });
      return res.json();
    }).then(function (data) {
      // An older answer that arrives after a newer one must not replace it.
      if (mine !== refreshSeq) return;
      if (data) st.base = merge(st.base, data);
      var weekAgo = Date.now() - 7 * 24 * 3600 * 1000;
      var keep = [];
      var writes = [];
      st.queue.forEach(function (r) {
        if (r.state !== 'pending') r.inSnapshot = true;
        // Sent records leave the phone after a week: names of residents do not pile up.
        if (r.state === 'sent' && r.at < weekAgo) writes.push(qDel(r.id));
        else { keep.push(r); writes.push(qPut(r)); }
      });
      st.queue = keep;
      return Promise.all(writes).then(function () { return data ? kvPut('snapshot', st.base) : null; });
    }).then(function () {
      // How many answers the app has taken in (for tests that wait for one).
      root.setAttribute('data-refreshed', String(++refreshed));
      rebuild();
      softRender();
    }).catch(function (e) {
      if (e && e.message && e.message !== 'login' && st.online) { st.notice = e.message; softRender(); }
    });
  }

  // ---------- guides (cẩm nang), kept for use with no signal ----------
  // The text of every guide and its pictures as far as the server's budget allows; pictures
  // are stored as blobs under their address (which changes when a picture does).
  var guidesBusy = false;
  function loadGuides() {
    if (guidesBusy || st.online === false) return Promise.resolve();
    guidesBusy = true;
    var extra = st.guides && st.guides.etag ? { 'If-None-Match': st.guides.etag } : undefined;
    return call('GET', '/api/v1/field/guides', undefined, extra).then(function (res) {
      if (res.status === 304 || !res.ok) return null;
      var etag = res.headers.get('ETag');
      return res.json().then(function (data) {
        st.guides = { etag: etag, data: data };
        return kvPut('guides', st.guides);
      });
    }).then(function () { return storePictures(); }).catch(function () { /* tried again later */ })
      .then(function () { guidesBusy = false; root.setAttribute('data-guides', String(guidePictures().length)); });
  }
  function guidePictures() {
    var urls = [];
    ((st.guides && st.guides.data.guides) || []).forEach(function (g) {
      g.steps.forEach(function (x) { if (x.picture) urls.push(x.picture); });
    });
    return urls;
  }
  function storePictures() {
    var want = {};
    guidePictures().forEach(function (u) { want['pic:' + u] = u; });
    return kvKeys().then(function (keys) {
      var have = {};
      var drops = [];
      keys.forEach(function (k) {
        if (typeof k !== 'string' || k.indexOf('pic:') !== 0) return;
        if (want[k]) have[k] = true; else drops.push(kvDel(k));
      });
      // One at a time: a slow network fills the phone picture by picture, nothing half-stored.
      var chain = Promise.all(drops);
      Object.keys(want).filter(function (k) { return !have[k]; }).forEach(function (k) {
        chain = chain.then(function () {
          return fetch(want[k], { credentials: 'same-origin' }).then(function (res) {
            if (!res.ok) return null;
            return res.blob().then(function (b) { return kvPut(k, b); });
          });
        });
      });
      return chain;
    });
  }
  var pictureUrls = {};
  // An <img> filled from the copy on the phone (never from the network: it works offline).
  function storedPicture(url, alt) {
    var img = h('img', { alt: alt, class: 'step-picture' });
    if (pictureUrls[url]) { img.src = pictureUrls[url]; return img; }
    kvGet('pic:' + url).then(function (b) {
      if (!b) { img.replaceWith(h('span', { class: 'muted', text: '(ảnh chưa tải về máy)' })); return; }
      pictureUrls[url] = URL.createObjectURL(b);
      img.src = pictureUrls[url];
    });
    return img;
  }
  function guidesFor(service) {
    return ((st.guides && st.guides.data.guides) || []).filter(function (g) { return !service || g.service === service; });
  }
  function guideView(service) {
    var list = guidesFor(service);
    var back = h('p', { class: 'crumbs' }, h('a', { href: '#/', onclick: function (e) {
      if (history.length > 1) { e.preventDefault(); history.back(); }
    }, text: '← Quay lại' }));
    if (!list.length) return [back, h('p', { class: 'muted', text: st.guides ? 'Chưa có cẩm nang cho dịch vụ này.' : 'Chưa tải cẩm nang về máy; cần kết nối mạng một lần.' })];
    return [back].concat(list.map(function (g) {
      return h('article', { class: 'card f-guide', 'data-guide': String(g.id) },
        h('h1', { text: g.title }),
        g.service_name ? h('p', { class: 'muted', text: g.service_name + (g.checked_on ? ' · kiểm tra ' + fmtDate(g.checked_on) : '') }) : null,
        g.sample ? h('p', { class: 'warn', text: 'Mẫu — cần kiểm tra lại trước khi dùng' }) : null,
        h('ol', { class: 'steps' }, g.steps.map(function (x) {
          return h('li', null, x.text, x.picture ? h('br') : null, x.picture ? storedPicture(x.picture, 'Ảnh bước ' + x.n) : null);
        })),
        g.tips ? [h('h2', { text: 'Mẹo' }), h('p', { class: 'pre', text: g.tips })] : null,
        g.mistakes ? [h('h2', { text: 'Lỗi thường gặp' }), h('p', { class: 'pre', text: g.mistakes })] : null);
    }));
  }
  function guideListView() {
    var words = fold(st.gq || '').split(' ').filter(Boolean);
    // Searched on the phone, without diacritics, in titles, steps and notes.
    var list = guidesFor(null).filter(function (g) {
      if (!words.length) return true;
      var hay = fold([g.title, g.service_name, g.topic, g.tips, g.mistakes].concat(g.steps.map(function (x) { return x.text; })).join(' '));
      return words.every(function (w) { return hay.indexOf(w) >= 0; });
    });
    return [
      h('p', { class: 'crumbs' }, h('a', { href: '#/', text: '← Danh sách hộ' })),
      h('h1', { text: 'Cẩm nang' }),
      h('label', { for: 'gq', class: 'visually-hidden', text: 'Tìm cẩm nang' }),
      h('input', { type: 'search', id: 'gq', placeholder: 'Tìm cẩm nang (không dấu cũng được)…', value: st.gq || '', autocomplete: 'off',
        oninput: function (e) { st.gq = e.target.value; renderKeepFocus('gq'); } }),
      list.length ? null : h('p', { class: 'muted', text: st.guides ? 'Chưa có cẩm nang nào.' : 'Chưa tải cẩm nang về máy; cần kết nối mạng một lần.' }),
      h('ul', { class: 'f-list', id: 'guide-list' }, list.map(function (g) {
        return h('li', null, h('a', { href: g.service ? '#/guide/' + encodeURIComponent(g.service) : '#/guide-id/' + g.id, text: g.title }),
          g.sample ? h('span', { class: 'f-tag', text: 'mẫu' }) : null);
      }))
    ];
  }

  function flush() {
    if (st.flushing) return Promise.resolve();
    // Opened offline, the page has no CSRF token yet: get one before sending.
    if (!st.csrf && st.queue.some(function (r) { return r.state === 'pending'; })) {
      return refresh().then(function () { if (st.csrf) return flush(); });
    }
    var now = Date.now();
    // A change still inside its undo window waits on the phone.
    var pending = st.queue.filter(function (r) { return r.state === 'pending' && !(r.holdUntil > now); })
      .sort(function (a, b) { return a.seq - b.seq; }).slice(0, 200);
    if (!pending.length) return Promise.resolve();
    pending.forEach(function (r) { r.sending = true; });
    st.flushing = true;
    renderBar();
    var sent = false;
    return kvGet('device').then(function (dev) {
      if (!dev) { dev = uuid(); kvPut('device', dev); }
      return call('POST', '/api/v1/sync', { device_id: dev, records: pending.map(function (r) { return r.record; }) });
    }).then(function (res) {
      if (res.status === 403) st.csrf = null;
      if (!res.ok) throw new Error('sync ' + res.status);
      return res.json();
    }).then(function (body) {
      var byId = {};
      body.results.forEach(function (x) { byId[x.id] = x; });
      return Promise.all(pending.map(function (r) {
        var x = byId[r.id];
        if (!x || x.retry) return null;
        // Still on the phone's list (an undo cannot remove a record being sent, see undo()).
        if (st.queue.indexOf(r) < 0) return null;
        r.state = x.status === 'applied' || x.status === 'duplicate' ? 'sent' : x.status === 'conflict' ? 'conflict' : 'failed';
        r.message = x.message;
        r.sentAt = Date.now();
        r.inSnapshot = false;
        sent = true;
        return qPut(r);
      }));
    }).catch(function () { /* stays pending; tried again later */ }).then(function () {
      pending.forEach(function (r) { r.sending = false; });
      st.flushing = false;
      if (!sent) { renderBar(); return; }
      rebuild();
      softRender();
      if (sent) return refresh().then(function () {
        if (st.queue.some(function (r) { return r.state === 'pending'; })) return flush();
      });
    });
  }

  var UNDO_MS = 6000;
  function enqueue(record, summary, undoable) {
    record.id = uuid();
    var r = { id: record.id, seq: Date.now() + Math.random(), record: record, summary: summary, state: 'pending', at: Date.now() };
    if (undoable) {
      // Kept on the phone (and in IndexedDB, so nothing is lost if the app closes) but sent
      // only once the few seconds to undo it have passed.
      r.holdUntil = Date.now() + UNDO_MS;
      st.undo = { id: r.id, summary: summary };
      setTimeout(function () {
        if (st.undo && st.undo.id === r.id) { st.undo = null; softRender(); }
        flush();
      }, UNDO_MS + 50);
    }
    st.queue.push(r);
    rebuild();
    render();
    return qPut(r).then(flush);
  }
  function undo() {
    var u = st.undo;
    st.undo = null;
    if (!u) return;
    // Only while the record waits out its window on the phone: once it is on its way, the
    // server may have it, and the phone must not pretend otherwise.
    var r = st.queue.filter(function (x) {
      return x.id === u.id && x.state === 'pending' && !x.sending && x.holdUntil > Date.now();
    })[0];
    if (!r) { st.notice = 'Đã gửi lên máy chủ, không hoàn tác được nữa.'; render(); return; }
    st.queue = st.queue.filter(function (x) { return x.id !== u.id; });
    qDel(u.id);
    rebuild();
    render();
  }

  // A change answer applied to the copy on the phone: changed households replace theirs with
  // their residents, removed ones go, the small lists are replaced only when sent.
  var LISTS = ['assigned', 'services', 'activity_kinds', 'dossier_kinds', 'members', 'activities',
    'businesses', 'business_kinds', 'business_steps', 'platforms'];
  function merge(base, d) {
    if (d.full || !base || !base.households) return d;
    var drop = {};
    d.households.forEach(function (x) { drop[x.id] = true; });
    (d.removed_households || []).forEach(function (id) { drop[id] = true; });
    var out = {};
    Object.keys(base).forEach(function (k) { out[k] = base[k]; });
    Object.keys(d).forEach(function (k) {
      if (k !== 'households' && k !== 'residents' && k !== 'removed_households') out[k] = d[k];
    });
    LISTS.forEach(function (k) { if (d[k] === undefined) out[k] = base[k]; });
    out.households = base.households.filter(function (x) { return !drop[x.id]; }).concat(d.households)
      .sort(function (a, b) { return a.code < b.code ? -1 : a.code > b.code ? 1 : 0; });
    out.residents = base.residents.filter(function (r) { return !drop[r.household_id]; }).concat(d.residents);
    return out;
  }

  // ---------- the snapshot with unsent records applied ----------
  function rebuild() {
    if (!st.base) { st.data = null; return; }
    var d = JSON.parse(JSON.stringify(st.base));
    var overlay = st.queue.filter(function (r) {
      return r.state === 'pending' || (r.state === 'sent' && !r.inSnapshot);
    }).sort(function (a, b) { return a.seq - b.seq; });
    overlay.forEach(function (q) { applyLocal(d, q.record); });
    st.data = d;
  }
  function findResident(d, id) { return d.residents.filter(function (r) { return same(r.id, id); })[0]; }
  function findHousehold(d, id) { return d.households.filter(function (x) { return same(x.id, id); })[0]; }
  function applyLocal(d, rec) {
    var r, hh;
    switch (rec.type) {
      case 'help':
        r = findResident(d, rec.resident_id);
        if (!r) return;
        r.services = r.services || {};
        if (rec.done) r.services[rec.service] = 'done';
        else if (!r.services[rec.service]) r.services[rec.service] = 'in_progress';
        r.helped = (r.helped || 0) + 1;
        hh = findHousehold(d, r.household_id);
        if (hh && (!hh.last_visit || hh.last_visit < rec.date)) hh.last_visit = rec.date;
        break;
      case 'dossier':
        r = findResident(d, rec.resident_id);
        if (!r) return;
        r.helped = (r.helped || 0) + 1;
        hh = findHousehold(d, r.household_id);
        if (hh && (!hh.last_visit || hh.last_visit < rec.date)) hh.last_visit = rec.date;
        break;
      case 'resident_update':
        r = findResident(d, rec.resident_id);
        if (!r) return;
        if (rec.changes.phone !== undefined) r.phone = rec.changes.phone;
        if (rec.changes.has_smartphone !== undefined) r.has_smartphone = rec.changes.has_smartphone ? 1 : 0;
        if (rec.changes.status !== undefined) r.status = rec.changes.status;
        break;
      case 'resident_new':
        d.residents.push({ id: rec.id, household_id: rec.household_id, full_name: rec.full_name, birth_year: rec.birth_year,
          gender: rec.gender, phone: rec.phone, relation: rec.relation, has_smartphone: rec.has_smartphone === undefined ? null : (rec.has_smartphone ? 1 : 0),
          status: 'living', version: 1, helped: 0, services: {}, local: true });
        break;
      case 'consent':
        // Someone who withdrew leaves the team's list at once, before the server confirms.
        if (!rec.given) d.residents = d.residents.filter(function (x) { return !same(x.id, rec.resident_id); });
        break;
      case 'household_new':
        d.households.push({ id: rec.id, code: rec.code || 'Hộ mới', address: rec.address, head_name: rec.head_name, last_visit: null, local: true });
        if (d.assignment_on && d.member_id) d.assigned[rec.id] = d.member_id;
        break;
      case 'business_new':
        d.businesses = d.businesses || [];
        d.businesses.push({ id: rec.id, name: rec.name, owner_name: rec.owner_name, kind: rec.kind, products: rec.products,
          address: rec.address, phone: rec.phone, steps: {}, platform: null, shop_url: null, version: 1, local: true });
        break;
      case 'business_update':
        var b = (d.businesses || []).filter(function (x) { return same(x.id, rec.business_id); })[0];
        if (!b) return;
        b.steps = b.steps || {};
        Object.keys(rec.steps || {}).forEach(function (k) {
          var c = rec.steps[k];
          if (!c.done) b.steps[k] = null;
          else if (!b.steps[k]) b.steps[k] = c.date || today();
          if (k === 'ecommerce' && c.done) {
            if (c.platform) b.platform = c.platform;
            if (c.link) b.shop_url = c.link;
          }
        });
        b.pending = true;
        break;
      case 'activity':
        d.activities.unshift({ id: rec.id, kind: rec.kind, kind_label: kindName(d.activity_kinds, rec.kind), date: rec.date,
          place: rec.place, reached: rec.residents_reached || 0, helped: 0, local: true });
        break;
    }
  }

  // ---------- actions ----------
  function activityRef() {
    if (!st.activity) return null;
    var n = Number(st.activity);
    return isNaN(n) ? st.activity : n;
  }
  function recordHelp(r, service, done) {
    st.open = null;
    return enqueue({ type: 'help', resident_id: r.id, service: service, done: done, date: today(), activity_id: activityRef() },
      r.full_name + ': ' + svcName(service) + (done ? ' — đã hoàn thành' : ' — đang hướng dẫn'));
  }
  function updateResident(r, changes, summary) {
    var baseR = st.base && findResident(st.base, r.id);
    if (!baseR) {
      st.notice = 'Nhân khẩu vừa thêm chưa được gửi lên; hãy sửa sau khi đồng bộ.';
      render();
      return Promise.resolve();
    }
    return enqueue({ type: 'resident_update', resident_id: r.id, base_version: baseR.version, changes: changes }, r.full_name + ': ' + summary, true);
  }

  // ---------- views ----------
  function statusBar() {
    var pending = st.queue.filter(function (r) { return r.state === 'pending'; }).length;
    var failed = st.queue.filter(function (r) { return r.state === 'failed' || r.state === 'conflict'; }).length;
    return h('div', { class: 'f-bar' },
      h('span', { id: 'net-status', class: 'f-net ' + (st.online === false ? 'off' : 'on'),
        text: st.online === false ? 'Mất kết nối — dữ liệu được lưu trên máy' : st.online ? 'Đã kết nối máy chủ' : 'Đang kết nối…' }),
      h('a', { href: '#/queue', id: 'queue-count', 'data-pending': String(pending), text: pending + ' chờ gửi' + (failed ? ' · ' + failed + ' cần xem' : '') }),
      h('button', { type: 'button', id: 'sync-now', class: 'small', onclick: function () { flush(); refresh(); }, text: st.flushing ? 'Đang gửi…' : 'Gửi ngay' }),
      st.undo ? h('div', { class: 'f-undo', role: 'status' }, h('span', { text: 'Đã ghi: ' + st.undo.summary + '. ' }),
        h('button', { type: 'button', id: 'undo', class: 'small secondary', onclick: undo, text: 'Hoàn tác' })) : null
    );
  }

  function activityPicker() {
    var d = st.data;
    var opts = [h('option', { value: '', text: 'Đi từng nhà hôm nay (tự động)' })];
    d.activities.filter(function (a) { return a.kind !== 'door_to_door'; }).slice(0, 10).forEach(function (a) {
      opts.push(h('option', { value: String(a.id), selected: same(a.id, st.activity), text: a.kind_label + ' ' + fmtDate(a.date) }));
    });
    return h('label', { class: 'f-activity' }, 'Ghi vào buổi: ',
      h('select', { id: 'activity-pick', onchange: function (e) { st.activity = e.target.value; } }, opts));
  }

  function householdLine(x) {
    var people = st.data.residents.filter(function (r) { return same(r.household_id, x.id) && r.status === 'living'; });
    return h('li', null, h('a', { href: '#/h/' + x.id, class: 'hh', 'data-id': String(x.id) },
      h('b', { text: x.code }), ' ', x.head_name || '',
      h('span', { class: 'muted', text: ' · ' + people.length + ' người' + (x.address ? ' · ' + x.address : '') }),
      x.last_visit ? h('span', { class: 'f-tag ok', text: 'Đã thăm ' + fmtDate(x.last_visit) }) : h('span', { class: 'f-tag', text: 'Chưa tiếp cận' })));
  }

  function homeView() {
    var d = st.data;
    var list = d.households.slice();
    var q = fold(st.q);
    if (q) {
      var words = q.split(' ');
      list = list.filter(function (x) {
        var names = d.residents.filter(function (r) { return same(r.household_id, x.id); }).map(function (r) { return r.full_name; }).join(' ');
        var hay = fold([x.code, x.head_name, x.address, names].join(' '));
        return words.every(function (w) { return hay.indexOf(w) >= 0; });
      });
    } else if (st.tab === 'todo') {
      list = list.filter(function (x) { return !x.last_visit; });
    } else if (st.tab === 'mine') {
      list = list.filter(function (x) { return same(d.assigned[x.id], d.member_id); });
    } else if (st.tab === 'recent') {
      list = list.filter(function (x) { return x.last_visit; }).sort(function (a, b) { return a.last_visit < b.last_visit ? 1 : -1; });
    }
    var wl = st.tab.indexOf('wl-') === 0 && !q ? worklist(st.tab.slice(3), true) : null;
    var total = list.length;
    var tabs = [['todo', 'Chưa tiếp cận'], ['recent', 'Thăm gần đây'], ['all', 'Tất cả']];
    if (d.assignment_on) tabs.splice(1, 0, ['mine', 'Giao cho tôi']);
    var wtabs = WORKLISTS.map(function (w) { return ['wl-' + w[0], w[1] + ' (' + worklist(w[0], false).count + ')']; });
    if (wl) {
      return [
        h('h1', { text: 'Thực địa · ' + d.hamlet.name }),
        tabBar(tabs.concat(wtabs), q),
        h('p', { class: 'muted', id: 'worklist-count', text: wl.count + ' ' + wl.unit + ' — như danh sách cần làm của ấp trên trang Chỉ tiêu' }),
        h('ul', { class: 'f-list', id: 'worklist' }, wl.lines.slice(0, 60)),
        wl.count > 60 ? h('p', { class: 'muted', text: 'Hiện 60 dòng đầu; mở từng hộ để ghi nhận.' }) : null
      ];
    }
    return [
      h('h1', { text: 'Thực địa · ' + d.hamlet.name }),
      h('label', { for: 'q', class: 'visually-hidden', text: 'Tìm hộ theo mã hộ, tên chủ hộ, tên người' }),
      h('input', { type: 'search', id: 'q', placeholder: 'Tìm hộ: mã hộ, tên chủ hộ, tên người…', value: st.q, autocomplete: 'off',
        oninput: function (e) { st.q = e.target.value; renderKeepFocus('q'); } }),
      tabBar(tabs.concat(wtabs), q),
      h('p', { class: 'muted', text: total + ' hộ' + (total > 60 ? ', hiện 60 hộ đầu — hãy tìm để thu hẹp' : '') }),
      total ? null : h('p', { class: 'muted', text: q ? 'Không tìm thấy hộ nào.' : st.tab === 'todo' ? 'Mọi hộ đều đã được tiếp cận.' : 'Chưa có hộ nào.' }),
      h('ul', { class: 'f-list', id: 'households' }, list.slice(0, 60).map(householdLine)),
      h('div', { class: 'actions' },
        h('a', { class: 'button', href: '#/new-household', text: '+ Hộ mới' }),
        h('a', { class: 'button secondary', href: '#/activities', text: 'Buổi hoạt động' }),
        h('a', { class: 'button secondary', href: '#/guides', id: 'guides-link', text: 'Cẩm nang' }),
        h('a', { class: 'button secondary', href: '#/businesses', id: 'businesses-link', text: 'Cơ sở kinh doanh' }))
    ];
  }

  // The state in a sign and in words, not by colour alone.
  var CHIP_STATE = { none: ['', 'chưa hướng dẫn'], in_progress: ['◐ ', 'đang hướng dẫn'], done: ['✓ ', 'đã hoàn thành'] };
  function tabBar(tabs, q) {
    return h('div', { class: 'f-tabs', role: 'tablist' }, tabs.map(function (t) {
      return h('button', { type: 'button', role: 'tab', id: 'tab-' + t[0], class: 'tab' + (st.tab === t[0] && !q ? ' on' : ''), 'aria-selected': String(st.tab === t[0]),
        onclick: function () { st.tab = t[0]; st.q = ''; render(); }, text: t[1] });
    }));
  }

  // The dashboard's work lists, counted as the dashboard counts them (living adults of 15 or
  // more; households where someone lives and nobody has the province app done).
  var WORKLISTS = [['unguided', 'Chưa được hướng dẫn'], ['no_app', 'Hộ chưa có app tỉnh'], ['no_smartphone', 'Chưa có ĐT thông minh']];
  // Residents grouped by household, once per snapshot (the three counts redraw often).
  var grouped = { of: null, map: null };
  function residentsByHousehold(d) {
    if (grouped.of !== d) {
      var map = {};
      d.residents.forEach(function (r) { (map[r.household_id] = map[r.household_id] || []).push(r); });
      grouped = { of: d, map: map };
    }
    return grouped.map;
  }
  // With `build` false only the count is made (the tabs show counts on every redraw).
  function worklist(kind, build) {
    var d = st.data;
    var lines = [];
    var count = 0;
    var byHousehold = residentsByHousehold(d);
    if (kind === 'no_app') {
      d.households.forEach(function (x) {
        var living = (byHousehold[x.id] || []).filter(function (r) { return r.status === 'living'; });
        if (!living.length) return;
        if (living.some(function (r) { return (r.services || {}).province_app === 'done'; })) return;
        count++;
        if (build && lines.length < 60) lines.push(householdLine(x));
      });
      return { count: count, unit: 'hộ', lines: lines };
    }
    var hh = {};
    d.households.forEach(function (x) { hh[x.id] = x; });
    d.households.forEach(function (x) {
      (byHousehold[x.id] || []).forEach(function (r) {
        if (!r.adult || r.status !== 'living') return;
        if (kind === 'unguided' ? r.helped > 0 : r.has_smartphone !== 0) return;
        count++;
        if (build && lines.length < 60) lines.push(h('li', null, h('a', { href: '#/h/' + x.id, class: 'hh', 'data-rid': String(r.id) },
          h('b', { text: r.full_name }), h('span', { class: 'muted', text: ' · Hộ ' + x.code + (x.head_name ? ' · ' + x.head_name : '') }))));
      });
    });
    return { count: count, unit: 'người', lines: lines };
  }

  function chip(r, code) {
    var s = (r.services || {})[code] || 'none';
    var cs = CHIP_STATE[s] || CHIP_STATE.none;
    return h('button', { type: 'button', class: 'chip s-' + s, 'data-rid': String(r.id), 'data-service': code, 'data-status': s,
      'aria-pressed': String(st.open && same(st.open.rid, r.id) && st.open.service === code), title: svcName(code) + ': ' + cs[1],
      'aria-label': svcName(code) + ': ' + cs[1],
      onclick: function () { st.open = { rid: r.id, service: code }; render(); } }, cs[0] + svcName(code));
  }

  function residentCard(r) {
    var d = st.data;
    var a = age(r);
    var open = st.open && same(st.open.rid, r.id) ? st.open : null;
    var sm = r.has_smartphone === 1 ? 'Có' : r.has_smartphone === 0 ? 'Không' : 'Chưa rõ';
    return h('section', { class: 'card f-res' + (r.status !== 'living' ? ' gone' : ''), 'data-rid': String(r.id) },
      h('h3', null, r.full_name, ' ',
        h('span', { class: 'muted', text: [r.relation, a !== null ? a + ' tuổi' : null].filter(Boolean).join(' · ') }),
        a !== null && a < 15 ? h('span', { class: 'f-tag', text: 'dưới 15 tuổi' }) : null,
        r.local ? h('span', { class: 'f-tag', text: 'chưa gửi' }) : null),
      r.status !== 'living' ? h('p', { class: 'warn', text: r.status === 'moved' ? 'Đã chuyển đi' : 'Đã mất' }) : null,
      h('div', { class: 'chips' }, d.services.map(function (s) { return chip(r, s.code); })),
      open ? h('div', { class: 'f-act' },
        h('b', { text: svcName(open.service) + ': ' }),
        h('button', { type: 'button', 'data-act': 'progress', onclick: function () { recordHelp(r, open.service, false); }, text: 'Đang hướng dẫn' }),
        h('button', { type: 'button', 'data-act': 'done', class: 'ok', onclick: function () { recordHelp(r, open.service, true); }, text: 'Đã hoàn thành' }),
        guidesFor(open.service).length ? h('a', { class: 'button small secondary', 'data-act': 'guide', href: '#/guide/' + encodeURIComponent(open.service), text: 'Cẩm nang' }) : null,
        h('button', { type: 'button', class: 'link', onclick: function () { st.open = null; render(); }, text: 'Đóng' })) : null,
      h('div', { class: 'f-props' },
        h('button', { type: 'button', class: 'small secondary', 'data-act': 'smartphone',
          onclick: function () { updateResident(r, { has_smartphone: r.has_smartphone !== 1 }, 'điện thoại thông minh: ' + (r.has_smartphone !== 1 ? 'có' : 'không')); },
          text: 'ĐT thông minh: ' + sm }),
        h('button', { type: 'button', class: 'small secondary', 'data-act': 'phone', onclick: function () {
          var p = window.prompt('Số điện thoại của ' + r.full_name + ' (10 số):', r.phone || '');
          if (p !== null && p.trim() !== (r.phone || '')) updateResident(r, { phone: p.trim() }, 'số điện thoại');
        }, text: r.phone ? 'SĐT ' + r.phone : '+ Số điện thoại' }),
        h('select', { 'aria-label': 'Tình trạng cư trú', onchange: function (e) {
          var v = e.target.value;
          var label = e.target.options[e.target.selectedIndex].text;
          if (window.confirm('Ghi ' + r.full_name + ': ' + label + '?')) updateResident(r, { status: v }, label.toLowerCase());
          else render();
        } }, [['living', 'Đang cư trú'], ['moved', 'Đã chuyển đi'], ['deceased', 'Đã mất']].map(function (o) {
          return h('option', { value: o[0], selected: r.status === o[0], text: o[1] });
        })),
        h('select', { 'aria-label': 'Hồ sơ dịch vụ công trực tuyến', onchange: function (e) {
          var v = e.target.value;
          if (!v) return;
          enqueue({ type: 'dossier', resident_id: r.id, kind: v, date: today(), activity_id: activityRef() },
            r.full_name + ': hồ sơ ' + kindName(d.dossier_kinds, v).toLowerCase());
        } }, [h('option', { value: '', text: '+ Hồ sơ DVC trực tuyến' })].concat(d.dossier_kinds.map(function (k) {
          return h('option', { value: k.code, text: k.name });
        }))),
        h('button', { type: 'button', class: 'small secondary', 'data-act': 'withdraw', onclick: function () {
          if (window.confirm(r.full_name + ' rút lại đồng ý được ghi nhận thông tin? Người này sẽ không còn trong danh sách của tổ; các lượt hỗ trợ trước vẫn được tính.'))
            enqueue({ type: 'consent', resident_id: r.id, given: false, date: today() }, r.full_name + ': rút lại đồng ý');
        }, text: 'Rút lại đồng ý' })));
  }

  function householdView(id) {
    var d = st.data;
    var x = findHousehold(d, id);
    if (!x) return [h('p', { class: 'error', text: 'Không tìm thấy hộ này trong dữ liệu trên máy.' }), h('a', { href: '#/', text: '← Danh sách hộ' })];
    var people = d.residents.filter(function (r) { return same(r.household_id, x.id); });
    return [
      h('p', { class: 'crumbs' }, h('a', { href: '#/', text: '← Danh sách hộ' })),
      h('h1', { text: 'Hộ ' + x.code + (x.head_name ? ' · ' + x.head_name : '') }),
      x.address ? h('p', { class: 'muted', text: x.address }) : null,
      activityPicker(),
      people.map(residentCard),
      h('details', { class: 'card' }, h('summary', { text: '+ Thêm nhân khẩu vào hộ' }), newResidentForm(x))
    ];
  }

  function field(label, input) { return h('label', null, label, input); }

  function newResidentForm(x) {
    var f = h('form', { id: 'new-resident', onsubmit: function (e) {
      e.preventDefault();
      var v = function (n) { return f.elements[n].value.trim(); };
      if (!v('full_name')) { st.notice = 'Cần nhập họ và tên.'; render(); return; }
      var rec = { type: 'resident_new', household_id: x.id, full_name: v('full_name'), relation: v('relation') || null,
        gender: v('gender') || null, phone: v('phone') || null };
      if (v('birth_year')) rec.birth_year = Number(v('birth_year'));
      if (v('smartphone')) rec.has_smartphone = v('smartphone') === '1';
      enqueue(rec, 'Thêm nhân khẩu ' + rec.full_name + ' vào hộ ' + x.code);
    } },
      field('Họ và tên', h('input', { name: 'full_name', required: true, autocomplete: 'off' })),
      field('Năm sinh', h('input', { name: 'birth_year', type: 'number', min: '1900', max: '2100', inputmode: 'numeric' })),
      field('Giới tính', h('select', { name: 'gender' }, h('option', { value: '', text: '—' }), h('option', { value: 'male', text: 'Nam' }), h('option', { value: 'female', text: 'Nữ' }))),
      field('Quan hệ với chủ hộ', h('input', { name: 'relation', placeholder: 'Con, vợ, chồng…' })),
      field('Số điện thoại', h('input', { name: 'phone', type: 'tel', inputmode: 'tel' })),
      field('Điện thoại thông minh', h('select', { name: 'smartphone' }, h('option', { value: '', text: 'Chưa rõ' }), h('option', { value: '1', text: 'Có' }), h('option', { value: '0', text: 'Không' }))),
      h('button', { type: 'submit', text: 'Thêm nhân khẩu' }));
    return f;
  }

  function newHouseholdView() {
    var f = h('form', { id: 'new-household', class: 'card', onsubmit: function (e) {
      e.preventDefault();
      var v = function (n) { return f.elements[n].value.trim(); };
      if (!v('head_name')) { st.notice = 'Cần nhập tên chủ hộ.'; render(); return; }
      var rec = { type: 'household_new', code: v('code') || null, head_name: v('head_name'), address: v('address') || null };
      enqueue(rec, 'Thêm hộ mới ' + rec.head_name).then(function () { location.hash = '#/h/' + rec.id; });
    } },
      field('Tên chủ hộ', h('input', { name: 'head_name', required: true })),
      field('Địa chỉ', h('input', { name: 'address' })),
      field('Mã hộ (nếu có)', h('input', { name: 'code' })),
      h('button', { type: 'submit', text: 'Thêm hộ' }));
    return [h('p', { class: 'crumbs' }, h('a', { href: '#/', text: '← Danh sách hộ' })), h('h1', { text: 'Thêm hộ mới' }), f];
  }

  // ---------- businesses (kinh tế số) ----------
  function businessesView() {
    var d = st.data;
    var list = (d.businesses || []).slice().sort(function (a, b) { return a.name < b.name ? -1 : 1; });
    return [
      h('p', { class: 'crumbs' }, h('a', { href: '#/', text: '← Danh sách hộ' })),
      h('h1', { text: 'Cơ sở kinh doanh' }),
      h('p', { class: 'muted', text: list.length + ' cơ sở · ' + list.filter(function (b) { return (b.steps || {}).ecommerce; }).length + ' có gian hàng TMĐT' }),
      h('ul', { class: 'f-list', id: 'business-list' }, list.map(function (b) {
        var done = (d.business_steps || []).filter(function (k) { return (b.steps || {})[k.code]; }).length;
        return h('li', null, h('a', { href: '#/b/' + b.id, class: 'biz', 'data-id': String(b.id) }, h('b', { text: b.name }),
          h('span', { class: 'muted', text: ' · ' + done + '/' + (d.business_steps || []).length + ' bước' }),
          b.local ? h('span', { class: 'f-tag', text: 'chưa gửi' }) : null,
          (b.steps || {}).ecommerce ? h('span', { class: 'f-tag ok', text: 'Có gian hàng' }) : null));
      })),
      h('div', { class: 'actions' }, h('a', { class: 'button', href: '#/new-business', id: 'new-business-link', text: '+ Cơ sở mới' }))
    ];
  }
  function findBusiness(d, id) { return (d.businesses || []).filter(function (x) { return same(x.id, id); })[0]; }
  function businessView(id) {
    var d = st.data;
    var b = findBusiness(d, id);
    if (!b) return [h('p', { class: 'error', text: 'Không tìm thấy cơ sở này trên máy.' }), h('a', { href: '#/businesses', text: '← Cơ sở kinh doanh' })];
    var baseB = st.base && findBusiness(st.base, id);
    function send(step, change, summary) {
      var steps = {};
      steps[step] = change;
      enqueue({ type: 'business_update', business_id: b.id, base_version: baseB ? baseB.version : 1, steps: steps }, b.name + ': ' + summary);
    }
    return [
      h('p', { class: 'crumbs' }, h('a', { href: '#/businesses', text: '← Cơ sở kinh doanh' })),
      h('h1', { text: b.name }),
      h('p', { class: 'muted', text: [kindName(d.business_kinds, b.kind), b.owner_name, b.products].filter(Boolean).join(' · ') }),
      h('ul', { class: 'f-list', id: 'business-steps' }, (d.business_steps || []).map(function (k) {
        var on = (b.steps || {})[k.code];
        if (on) {
          return h('li', { 'data-step': k.code, 'data-done': 'true' }, h('span', { class: 'f-tag ok', text: '✓ ' + k.name }), ' từ ' + fmtDate(on),
            k.code === 'ecommerce' && b.platform ? h('span', { class: 'muted', text: ' · ' + kindName(d.platforms, b.platform) }) : null);
        }
        if (k.code === 'ecommerce') {
          var f = h('form', { class: 'stack', id: 'shop-form', onsubmit: function (e) {
            e.preventDefault();
            var link = f.elements.link.value.trim();
            send('ecommerce', { done: true, date: today(), platform: f.elements.platform.value, link: link || null }, 'gian hàng trên ' + kindName(d.platforms, f.elements.platform.value));
          } },
            h('b', { text: k.name }),
            field('Sàn', h('select', { name: 'platform' }, (d.platforms || []).map(function (p) { return h('option', { value: p.code, text: p.name }); }))),
            field('Địa chỉ gian hàng (nếu có)', h('input', { name: 'link', type: 'url', placeholder: 'https://' })),
            h('button', { type: 'submit', 'data-step': 'ecommerce', text: 'Ghi nhận đã có gian hàng' }));
          return h('li', { 'data-step': k.code, 'data-done': 'false' }, f);
        }
        return h('li', { 'data-step': k.code, 'data-done': 'false' }, h('span', { text: k.name + ' ' }),
          h('button', { type: 'button', class: 'small secondary', 'data-step': k.code, onclick: function () { send(k.code, { done: true, date: today() }, k.name.toLowerCase()); }, text: 'Đã có' }));
      }))
    ];
  }
  function newBusinessView() {
    var d = st.data;
    var f = h('form', { id: 'new-business', class: 'card', onsubmit: function (e) {
      e.preventDefault();
      var v = function (n) { return f.elements[n].value.trim(); };
      if (!v('name')) { st.notice = 'Cần nhập tên cơ sở.'; render(); return; }
      var rec = { type: 'business_new', name: v('name'), owner_name: v('owner_name') || null, kind: v('kind'),
        products: v('products') || null, address: v('address') || null, phone: v('phone') || null };
      enqueue(rec, 'Thêm cơ sở ' + rec.name).then(function () { location.hash = '#/b/' + rec.id; });
    } },
      field('Tên cơ sở', h('input', { name: 'name', required: true })),
      field('Chủ cơ sở', h('input', { name: 'owner_name' })),
      field('Loại', h('select', { name: 'kind' }, (d.business_kinds || []).map(function (k) { return h('option', { value: k.code, text: k.name }); }))),
      field('Sản phẩm', h('input', { name: 'products' })),
      field('Địa chỉ', h('input', { name: 'address' })),
      field('Số điện thoại', h('input', { name: 'phone', type: 'tel', inputmode: 'tel' })),
      h('button', { type: 'submit', text: 'Thêm cơ sở' }));
    return [h('p', { class: 'crumbs' }, h('a', { href: '#/businesses', text: '← Cơ sở kinh doanh' })), h('h1', { text: 'Thêm cơ sở kinh doanh' }), f];
  }

  function activitiesView() {
    var d = st.data;
    var month = d.today.slice(0, 7);
    var mine = d.activities.filter(function (a) { return a.date.slice(0, 7) === month; });
    // An automatic round counts once the hamlet head or the team leader confirms it.
    var held = mine.filter(function (a) { return a.confirmed !== false; }).length;
    var waiting = mine.length - held;
    var f = h('form', { id: 'new-activity', class: 'card', onsubmit: function (e) {
      e.preventDefault();
      var v = function (n) { return f.elements[n].value.trim(); };
      var members = Array.prototype.filter.call(f.querySelectorAll('input[name=member]'), function (c) { return c.checked; })
        .map(function (c) { return Number(c.value); });
      var rec = { type: 'activity', kind: v('kind'), date: v('date') || today(), place: v('place') || null,
        member_ids: members, residents_reached: Number(v('reached') || 0), notes: v('notes') || null };
      enqueue(rec, kindName(d.activity_kinds, rec.kind) + ' ' + fmtDate(rec.date)).then(function () {
        st.activity = rec.kind === 'door_to_door' ? '' : rec.id;
        location.hash = '#/';
      });
    } },
      h('h2', { text: 'Ghi buổi hoạt động mới' }),
      field('Loại hoạt động', h('select', { name: 'kind' }, d.activity_kinds.map(function (k) { return h('option', { value: k.code, text: k.name }); }))),
      field('Ngày', h('input', { name: 'date', type: 'date', value: today() })),
      field('Địa điểm', h('input', { name: 'place' })),
      h('fieldset', null, h('legend', { text: 'Thành viên tham gia' }), d.members.map(function (m) {
        return h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'member', value: String(m.id), checked: same(m.id, d.member_id) }), ' ' + m.full_name);
      })),
      field('Số người dân được tiếp cận', h('input', { name: 'reached', type: 'number', min: '0', inputmode: 'numeric' })),
      field('Ghi chú', h('textarea', { name: 'notes', rows: '2' })),
      h('button', { type: 'submit', text: 'Lưu buổi hoạt động' }));
    return [
      h('p', { class: 'crumbs' }, h('a', { href: '#/', text: '← Danh sách hộ' })),
      h('h1', { text: 'Buổi hoạt động' }),
      h('p', { id: 'month-count', class: held >= d.monthly_minimum ? 'ok' : 'warn',
        text: 'Tháng ' + month.slice(5) + '/' + month.slice(0, 4) + ': ' + held + '/' + d.monthly_minimum + ' buổi tối thiểu' +
          (waiting ? ' (chưa tính ' + waiting + ' buổi đi từng hộ chờ trưởng ấp hoặc tổ trưởng xác nhận)' : '') }),
      h('ul', { class: 'f-list' }, d.activities.map(function (a) {
        return h('li', null, h('b', { text: fmtDate(a.date) }), ' ' + a.kind_label + (a.place ? ' · ' + a.place : ''),
          h('span', { class: 'muted', text: ' · ' + a.reached + ' người' }), a.local ? h('span', { class: 'f-tag', text: 'chưa gửi' }) : null,
          a.confirmed === false ? h('span', { class: 'f-tag', text: 'chờ xác nhận' }) : null);
      })),
      f
    ];
  }

  var STATE_LABEL = { pending: 'Chờ gửi', sent: 'Đã gửi', failed: 'Bị từ chối', conflict: 'Xung đột' };
  function queueView() {
    var items = st.queue.slice().sort(function (a, b) { return b.seq - a.seq; });
    return [
      h('p', { class: 'crumbs' }, h('a', { href: '#/', text: '← Danh sách hộ' })),
      h('h1', { text: 'Bản ghi trên máy' }),
      items.length ? null : h('p', { class: 'muted', text: 'Chưa có bản ghi nào.' }),
      h('ul', { class: 'f-list' }, items.map(function (r) {
        return h('li', { class: 'q-item', 'data-state': r.state, 'data-id': r.id },
          h('span', { class: 'f-tag q-' + r.state, text: STATE_LABEL[r.state] || r.state }), ' ', r.summary,
          h('span', { class: 'muted', text: ' · ' + new Date(r.at).toLocaleString('vi-VN') }),
          r.message && r.state !== 'sent' ? h('div', { class: r.state === 'failed' ? 'error' : 'warn', text: r.message }) : null,
          r.state === 'failed' ? h('button', { type: 'button', class: 'link', onclick: function () { qDel(r.id).then(function () {
            st.queue = st.queue.filter(function (x) { return x.id !== r.id; }); rebuild(); render(); }); }, text: 'Bỏ bản ghi này' }) : null);
      }))
    ];
  }

  function render() {
    var view;
    if (st.needLogin) {
      view = [h('p', { class: 'error', text: 'Phiên làm việc đã hết hạn. Các bản ghi vẫn được giữ trên máy.' }),
        h('a', { class: 'button', href: '/login', text: 'Đăng nhập lại' })];
    } else if (!st.data) {
      view = [h('p', { class: 'muted', text: st.online === false ? 'Chưa có dữ liệu trên máy. Cần kết nối mạng một lần để tải dữ liệu của ấp.' : 'Đang tải dữ liệu của ấp…' })];
    } else {
      var hash = location.hash || '#/';
      var m;
      if ((m = hash.match(/^#\/h\/(.+)$/))) view = householdView(decodeURIComponent(m[1]));
      else if (hash === '#/new-household') view = newHouseholdView();
      else if (hash === '#/activities') view = activitiesView();
      else if (hash === '#/queue') view = queueView();
      else if ((m = hash.match(/^#\/guide\/(.+)$/))) view = guideView(decodeURIComponent(m[1]));
      else if ((m = hash.match(/^#\/guide-id\/(\d+)$/))) view = guideView(null).filter(function (el, i) { return i === 0 || el.getAttribute('data-guide') === m[1]; });
      else if (hash === '#/guides') view = guideListView();
      else if (hash === '#/businesses') view = businessesView();
      else if (hash === '#/new-business') view = newBusinessView();
      else if ((m = hash.match(/^#\/b\/(.+)$/))) view = businessView(decodeURIComponent(m[1]));
      else view = homeView();
    }
    var notice = st.notice ? h('p', { class: 'error', role: 'alert', text: st.notice }) : null;
    st.notice = '';
    st.editing = false;
    root.replaceChildren(statusBar(), notice || '', h('div', null, view));
  }
  // Only the status bar changes while the member is typing into a form.
  function renderBar() {
    var bar = root.querySelector('.f-bar');
    if (bar) bar.replaceWith(statusBar()); else render();
  }
  // What happens in the background (network, sync) never wipes a half-filled form.
  // …nor redraws the button under the finger, nor moves the page: a background redraw waits
  // until the touch (and the tap it makes) is over, and keeps the scroll position.
  var touching = false, deferred = false, touchId = 0;
  function softRender() {
    if (st.editing) { renderBar(); return; }
    if (touching) { deferred = true; return; }
    var y = window.scrollY;
    render();
    if (window.scrollY !== y) window.scrollTo(0, y);
  }
  root.addEventListener('pointerdown', function () { touching = true; touchId++; });
  function touchEnd() {
    if (!touching) return;
    var mine = touchId;
    // The click follows pointerup: redraw after it has been handled, unless another touch
    // has begun since.
    setTimeout(function () {
      if (mine !== touchId) return;
      touching = false;
      if (deferred) { deferred = false; softRender(); }
    }, 400);
  }
  window.addEventListener('pointerup', touchEnd);
  window.addEventListener('pointercancel', touchEnd);
  function renderKeepFocus(id) {
    var el = document.getElementById(id);
    var pos = el ? el.selectionStart : null;
    render();
    el = document.getElementById(id);
    if (el) { el.focus(); if (pos !== null) el.setSelectionRange(pos, pos); }
  }

  // ---------- start ----------
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js', { scope: '/field' }).catch(function () { /* http on a LAN: no offline shell */ });
  }
  root.addEventListener('input', function (e) {
    if (e.target.form && e.target.id !== 'q') st.editing = true;
  });
  window.addEventListener('hashchange', function () { st.open = null; render(); window.scrollTo(0, 0); });
  // A hint only: the 'online' event starts a try, it never decides.
  window.addEventListener('online', flush);
  var account = Number(root.getAttribute('data-account'));
  kvGet('owner').then(function (owner) {
    // Another account's data must never be shown: wipe it before anything is displayed.
    if (owner !== undefined && owner !== account) return wipe();
  }).then(function () {
    return Promise.all([kvGet('snapshot'), qAll(), kvGet('guides')]);
  }).then(function (res) {
    st.base = res[0] || null;
    st.queue = res[1] || [];
    st.guides = res[2] || null;
    rebuild();
    render();
  }).catch(function () { render(); }).then(refresh).then(flush).then(loadGuides);
  setInterval(function () {
    flush();
    if (!st.flushing && st.online === false) refresh();
    else if (!st.guides) loadGuides();
  }, RETRY_MS);
})();
