/* Officers' report page: trend charts (uPlot, served by this server) and the staff forms. */
(function () {
  'use strict';
  var COLORS = ['#1f6fb2', '#c0392b', '#2e8b57', '#8e44ad', '#d68910', '#16a085', '#7f8c8d'];

  function day(date) {
    return Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) / 1000;
  }
  function monthLabel(seconds) {
    var d = new Date(seconds * 1000);
    return ('0' + (d.getUTCMonth() + 1)).slice(-2) + '/' + String(d.getUTCFullYear()).slice(2);
  }

  function chart(container, title, xs, series, yLabel, threshold) {
    var box = document.createElement('div');
    box.className = 'chart';
    var h = document.createElement('h3');
    h.textContent = title;
    box.appendChild(h);
    container.appendChild(box);
    var data = [xs].concat(series.map(function (s) { return s.values; }));
    var opts = {
      width: Math.max(320, Math.min(560, box.clientWidth || 360)),
      height: 200,
      legend: { show: series.length > 1, live: false },
      scales: { x: { time: false }, y: yLabel === '%' ? { range: [0, 100] } : { auto: true } },
      axes: [
        {
          // One tick per month, labelled every other month so the labels never overlap.
          splits: function () { return xs; },
          values: function (u, splits) { return splits.map(function (s, i) { return (xs.length - 1 - i) % 2 === 0 ? monthLabel(s) : ''; }); },
          font: '10px "Noto Sans", sans-serif',
        },
        { label: yLabel, font: '11px "Noto Sans", sans-serif', labelFont: '11px "Noto Sans", sans-serif' },
      ],
      series: [{ label: 'Tháng', value: function (u, v) { return v == null ? '' : monthLabel(v); } }].concat(series.map(function (s, i) {
        return { label: s.label, stroke: COLORS[i % COLORS.length], width: 2, points: { show: true, size: 5 }, spanGaps: false };
      })),
    };
    if (threshold != null) {
      data.push(xs.map(function () { return threshold; }));
      opts.series.push({ label: 'Ngưỡng', stroke: '#555', dash: [6, 4], width: 1, points: { show: false } });
    }
    new uPlot(opts, data, box);
  }

  function drawCharts() {
    var node = document.getElementById('report-data');
    var container = document.getElementById('charts');
    if (!node || !container || typeof uPlot === 'undefined') return;
    var d = JSON.parse(node.textContent);
    var xs = d.dates.map(day);
    d.indicators.forEach(function (s) { chart(container, s.label + ' (%)', xs, [s], '%', s.threshold); });
    if (d.apps.length) chart(container, 'Số người đăng ký ứng dụng', xs, d.apps, 'người', null);
  }

  function wireForms() {
    var token = document.querySelector('meta[name="csrf-token"]');
    document.querySelectorAll('form[data-post]').forEach(function (form) {
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        var body = {};
        new FormData(form).forEach(function (value, key) { body[key] = value; });
        fetch(form.getAttribute('data-post'), {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json', 'x-csrf-token': token ? token.content : '' },
          body: JSON.stringify(body),
        }).then(function (res) {
          return res.json().then(function (json) {
            if (!res.ok) throw new Error((json.issue && json.issue[0].details && json.issue[0].details.text) || res.statusText);
            var url = new URL(window.location.href);
            url.searchParams.set('done', json.message || 'Đã lưu');
            window.location.href = url.toString();
          });
        }).catch(function (err) { window.alert('Không thực hiện được: ' + err.message); });
      });
    });
    var print = document.getElementById('print');
    if (print) print.addEventListener('click', function () { window.print(); });
  }

  function start() {
    drawCharts();
    wireForms();
    (document.fonts ? document.fonts.ready : Promise.resolve()).then(function () { document.body.setAttribute('data-ready', '1'); });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
