// The report's own script: a tooltip for the chart's bars, and a check that the chart rendered
// (the bar count the writer promised, each bar drawn with a size), recorded as data-rendered on
// <body> so a headless browser test can read it from the DOM.
(function () {
  var svg = document.getElementById('gantt');
  var tip = document.getElementById('tooltip');
  var runs = svg ? svg.querySelectorAll('g.run') : [];
  function show(event) {
    var d = event.currentTarget.dataset;
    tip.textContent = d.package + ' ' + d.version + ' on ' + d.worker + ' (' + d.state + ')\n'
        + d.start + ' \u2192 ' + d.end + '\nwall ' + d.wall + ', SBU ' + d.sbu + ', estimate ' + d.estimate;
    tip.style.display = 'block';
    tip.style.left = (event.clientX + 14) + 'px';
    tip.style.top = (event.clientY + 14) + 'px';
  }
  function hide() { tip.style.display = 'none'; }
  for (var i = 0; i < runs.length; i++) {
    runs[i].addEventListener('mousemove', show);
    runs[i].addEventListener('mouseleave', hide);
  }

  var problems = [];
  if (!svg) {
    problems.push('no chart');
  } else {
    var bars = svg.querySelectorAll('rect.bar');
    var critical = svg.querySelectorAll('rect.bar.critical');
    if (bars.length !== Number(svg.dataset.bars)) {
      problems.push(bars.length + ' bars drawn, ' + svg.dataset.bars + ' expected');
    }
    if (critical.length !== Number(svg.dataset.critical)) {
      problems.push(critical.length + ' critical bars drawn, ' + svg.dataset.critical + ' expected');
    }
    for (var j = 0; j < bars.length; j++) {
      var box = bars[j].getBoundingClientRect();
      if (!(box.width > 0 && box.height > 0)) {
        problems.push('bar of ' + bars[j].parentNode.dataset.package + ' has no size');
      }
    }
  }
  var errors = document.getElementById('script-errors');
  if (problems.length) {
    errors.textContent += 'chart check: ' + problems.join('; ') + '\n';
  }
  if (!errors.textContent) {
    document.body.setAttribute('data-rendered', 'ok');
  }
})();
