import { COLOURS } from './chart-svg.js';

/**
 * The console's only static files: its style sheet and a few lines of script (select-all on the dead
 * letters, refreshing a run in progress). Served from memory: nothing to build, nothing from the internet.
 */
export const CONSOLE_CSS = `
:root{--fg:#1f2328;--muted:#57606a;--line:#d0d7de;--accent:#0b5cad;--bad:#b42318;--bg:#fff;--panel:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;flex-wrap:wrap;align-items:center;gap:1rem;padding:.5rem 1.25rem;background:#0d2a4a;color:#fff}
header a{color:#fff}
.brand{font-weight:700;margin:0}
nav ul{display:flex;gap:.25rem;list-style:none;margin:0;padding:0}
nav a{display:block;padding:.35rem .7rem;border-radius:4px;text-decoration:none}
nav a[aria-current=page]{background:#fff;color:#0d2a4a;font-weight:600}
.picker,.who{display:flex;align-items:center;gap:.4rem}
.who{margin-left:auto}
.mode{padding:.1rem .5rem;border:1px solid #fff;border-radius:999px;font-size:12px}
main{padding:1rem 1.25rem;max-width:1280px}
h1{font-size:1.4rem;margin:.25rem 0 1rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
table{border-collapse:collapse;width:100%;margin:.25rem 0 1rem}
th,td{border-bottom:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:var(--panel);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:.75rem;margin-bottom:1rem}
.card{border:1px solid var(--line);border-radius:6px;padding:.6rem .8rem;background:var(--panel)}
.card .v{font-size:1.4rem;font-weight:700;display:block}
.card .k{color:var(--muted)}
.bad{color:var(--bad);font-weight:600}
.flash{padding:.5rem .75rem;border:1px solid var(--accent);border-radius:4px;background:#eef5fc}
form.inline{display:inline}
form.search{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-end;margin-bottom:1rem}
form.search label{display:flex;flex-direction:column;font-weight:600;gap:.2rem}
form.search label>*{font-weight:400}
input,select,button{font:inherit;padding:.3rem .5rem;border:1px solid #8c959f;border-radius:4px}
button{background:var(--accent);color:#fff;border-color:var(--accent);cursor:pointer}
header button{background:#fff;color:#0d2a4a;border-color:#fff}
button.secondary{background:#fff;color:var(--accent)}
pre,code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:13px}
pre{background:var(--panel);border:1px solid var(--line);padding:.6rem;overflow:auto;white-space:pre-wrap;word-break:break-word}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dl.kv dt{font-weight:600}
dl.kv dd{margin:0;word-break:break-word}
.chart svg{width:100%;height:200px;border:1px solid var(--line);background:#fff}
.chart .axis{font-size:11px;fill:#444}
.legend{display:flex;flex-wrap:wrap;gap:.75rem;list-style:none;padding:0}
.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}
${Object.entries(COLOURS)
  .map(([s, c]) => `.swatch-${s}{background:${c}}`)
  .join('\n')}
.progress{width:10rem}
.login{max-width:26rem}
.login label{display:block;font-weight:600;margin:.6rem 0 .2rem}
.login input{width:100%}
.pager{display:flex;gap:1rem}
`;

export const CONSOLE_JS = `
// A page whose main part says data-refresh (a run in progress) fetches itself again and swaps that part
// in place, until the fresh copy no longer asks for it: no full reload, focus and scroll stay.
(function refresh() {
  var main = document.querySelector('main[data-refresh]');
  if (!main) return;
  setTimeout(function () {
    fetch(location.href, { credentials: 'same-origin' }).then(function (r) { return r.text(); }).then(function (text) {
      var fresh = new DOMParser().parseFromString(text, 'text/html').querySelector('main');
      if (!fresh) return;
      main.innerHTML = fresh.innerHTML;
      if (fresh.hasAttribute('data-refresh')) refresh(); else main.removeAttribute('data-refresh');
    });
  }, Number(main.getAttribute('data-refresh')) || 3000);
})();
document.addEventListener('click', function (event) {
  var t = event.target;
  if (t && t.matches && t.matches('input[data-select-all]')) {
    document.querySelectorAll('input[name="key"]').forEach(function (box) { box.checked = t.checked; });
  }
});
`;
