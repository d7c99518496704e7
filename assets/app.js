// Progressive enhancement only: every page works without this file.

// Each table cell carries its column's name, shown beside it when a phone stacks the rows as
// cards (style.css, max-width 480 px).
function labelCells(root) {
  (root || document).querySelectorAll('table.list').forEach(function (t) {
    var head = t.tHead && t.tHead.rows[0];
    if (!head) return;
    var names = Array.prototype.map.call(head.cells, function (c) { return (c.getAttribute('data-label') || c.textContent).trim(); });
    Array.prototype.forEach.call(t.tBodies, function (b) {
      Array.prototype.forEach.call(b.rows, function (r) {
        var col = 0;
        Array.prototype.forEach.call(r.cells, function (c) {
          if (names[col] && !c.hasAttribute('data-label')) c.setAttribute('data-label', names[col]);
          col += c.colSpan || 1;
        });
      });
    });
  });
}
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', function () { labelCells(); });
else labelCells();
document.addEventListener('submit', function (ev) {
  var form = ev.target;
  // A form's own confirmation, or that of the button that sent it (one form may both save
  // a draft and submit it).
  var by = ev.submitter;
  var msg = (by && by.getAttribute('data-confirm')) || (form.getAttribute && form.getAttribute('data-confirm'));
  if (msg && !window.confirm(msg)) {
    ev.preventDefault();
    return;
  }
  if (form.getAttribute && form.getAttribute('action') === '/logout' && !form.dataset.cleared && window.indexedDB) {
    // Logging out removes what the field app keeps on this phone; warn about unsent records.
    ev.preventDefault();
    clearFieldData().then(function (ok) {
      if (ok) { form.dataset.cleared = '1'; form.submit(); }
    });
  }
});

function clearFieldData() {
  return new Promise(function (resolve) {
    var req = indexedDB.open('congdongso-field', 1);
    req.onupgradeneeded = function () {
      req.result.createObjectStore('kv');
      req.result.createObjectStore('queue', { keyPath: 'id' });
    };
    req.onerror = function () { resolve(true); };
    req.onsuccess = function () {
      var db = req.result;
      var t = db.transaction('queue', 'readonly');
      var all = t.objectStore('queue').getAll();
      t.oncomplete = function () {
        db.close();
        var pending = (all.result || []).filter(function (r) { return r.state === 'pending'; }).length;
        if (pending && !window.confirm('Còn ' + pending + ' bản ghi chưa gửi lên máy chủ. Đăng xuất sẽ xóa chúng khỏi máy này. Vẫn đăng xuất?')) {
          resolve(false);
          return;
        }
        var del = indexedDB.deleteDatabase('congdongso-field');
        del.onsuccess = del.onerror = del.onblocked = function () {
          var done = function () { resolve(true); };
          if (window.caches) caches.keys().then(function (keys) {
            return Promise.all(keys.map(function (k) { return caches.delete(k); }));
          }).then(done, done); else done();
        };
      };
    };
  });
}

document.addEventListener('click', function (ev) {
  if (ev.target && ev.target.id === 'print') window.print();
});

// The import page sends the chosen file as the request body, showing the upload's progress.
document.addEventListener('submit', function (ev) {
  var form = ev.target;
  if (!form.getAttribute || !form.getAttribute('data-upload')) return;
  ev.preventDefault();
  var input = form.querySelector('input[type=file]');
  var file = input && input.files && input.files[0];
  var status = form.querySelector('.upload-status');
  var bar = form.querySelector('progress');
  if (!file) { status.textContent = 'Hãy chọn một tệp.'; return; }
  var xhr = new XMLHttpRequest();
  xhr.open('POST', form.getAttribute('data-upload') + '?name=' + encodeURIComponent(file.name));
  xhr.setRequestHeader('X-CSRF-Token', form.getAttribute('data-csrf'));
  xhr.setRequestHeader('Content-Type', 'application/octet-stream');
  bar.hidden = false;
  status.textContent = 'Đang tải lên…';
  xhr.upload.onprogress = function (e) {
    if (e.lengthComputable) { bar.max = e.total; bar.value = e.loaded; }
  };
  xhr.onload = function () {
    if (xhr.status < 400 && xhr.responseURL) { window.location.href = xhr.responseURL; return; }
    var doc = new DOMParser().parseFromString(xhr.responseText, 'text/html');
    var msg = doc.querySelector('.error, main p');
    status.textContent = msg ? msg.textContent : 'Không tải lên được (mã ' + xhr.status + ').';
    bar.hidden = true;
  };
  xhr.onerror = function () { status.textContent = 'Mất kết nối khi tải lên; hãy thử lại.'; bar.hidden = true; };
  xhr.send(file);
});
