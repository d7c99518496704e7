// Progressive enhancement only: every page works without this file.
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
