// The stepper under each timeline: shows, one trace event at a time, the
// loop's state after it. The states are computed in Rust when the book is
// built (book/src/stepper.rs) and sit beside each picture as JSON; this
// script only shows them. No network, nothing else loaded: it works from
// file://, and without it the page still has the picture and the trace.
(function () {
  "use strict";

  // An element with its text, and a class if given.
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  // Fills list `box` with one `tag` per item, or says it is empty.
  function fill(box, items, empty) {
    box.textContent = "";
    if (items.length === 0) {
      box.appendChild(el("li", empty, "stepper-empty"));
      return;
    }
    items.forEach(function (item) {
      box.appendChild(el("li", item));
    });
  }

  function Stepper(figure, data) {
    var self = this;
    var root = figure.querySelector(".stepper");
    var panel = function (name) {
      return root.querySelector('[data-panel="' + name + '"]');
    };
    var svg = figure.querySelector("svg.timeline");
    var cursor = svg && svg.querySelector("line.cursor");
    var picture = figure.querySelector("div.timeline");
    var labels = svg && svg.querySelector("g.labels");
    var future = svg && svg.querySelector("rect.future");
    // The lanes' names stay at the left edge while the picture scrolls.
    if (labels) {
      picture.addEventListener("scroll", function () {
        labels.setAttribute("transform", "translate(" + picture.scrollLeft + ",0)");
      });
    }
    var guess = root.querySelector(".stepper-guess");
    var total = data.states.length;
    // The event shown: 0 before the first, `total` after the last.
    self.at = 0;

    // The strip of the parts of a pass, built once.
    var parts = {};
    data.parts.forEach(function (part) {
      var li = el("li", part[1]);
      li.setAttribute("data-part", part[0]);
      panel("parts").appendChild(li);
      parts[part[0]] = li;
    });
    // The trace, one line each, built once.
    var lines = data.lines.map(function (text) {
      var line = el("span", text + "\n");
      panel("trace").appendChild(line);
      return line;
    });

    self.show = function (at) {
      self.at = at = Math.max(0, Math.min(total, at));
      var state = at > 0 ? data.states[at - 1] : null;
      panel("at").textContent =
        at === 0
          ? "before the first event (" + total + " in all)"
          : "event " + at + " of " + total + ", pass " + state.tick +
            (state.time ? ", at " + state.time : "");
      panel("phase").textContent = state
        ? state.phase
        : "Nothing has happened yet. → shows the first event.";
      var now = state ? state.part.split(" ") : [];
      Object.keys(parts).forEach(function (key) {
        parts[key].className = now.indexOf(key) >= 0 ? "stepper-now" : "";
      });
      lines.forEach(function (line, i) {
        line.className =
          i === at - 1 ? "stepper-now" : i < at ? "stepper-past" : "stepper-next";
      });
      // Keep the current line in view, inside the trace's own box.
      var trace = panel("trace");
      var line = lines[Math.max(0, at - 1)];
      if (line) {
        trace.scrollTop = line.offsetTop - trace.clientHeight / 2;
      }
      fill(panel("ready"), state ? state.ready : [], "empty");
      if (panel("timers")) {
        fill(panel("timers"), state ? state.timers : [], "none");
      }
      if (panel("watched")) {
        fill(panel("watched"), state ? state.watched : [], "nothing");
        panel("timeout").textContent = (state && state.timeout) || "none yet";
      }
      var tasks = panel("tasks");
      tasks.textContent = "";
      (state ? state.tasks : []).forEach(function (task) {
        var row = el("tr");
        row.appendChild(el("td", task[0] + (task[1] ? " " + task[1] : "")));
        row.appendChild(el("td", task[2], "stepper-" + task[2]));
        row.appendChild(el("td", task[3]));
        tasks.appendChild(row);
      });
      // The cursor in the picture, scrolled into view.
      if (cursor) {
        if (at === 0) {
          cursor.setAttribute("visibility", "hidden");
        } else {
          var x = data.xs[at - 1];
          cursor.setAttribute("x1", x);
          cursor.setAttribute("x2", x);
          cursor.setAttribute("visibility", "visible");
          if (x < picture.scrollLeft || x > picture.scrollLeft + picture.clientWidth) {
            picture.scrollLeft = x - picture.clientWidth / 2;
          }
        }
      }
      // While the reader guesses, what is still to come is veiled.
      if (future) {
        var from = at === 0 ? 0 : data.xs[at - 1];
        var width = parseFloat(svg.getAttribute("width"));
        future.setAttribute("x", from);
        future.setAttribute("width", Math.max(0, width - from));
        future.setAttribute("visibility", guess.checked ? "visible" : "hidden");
      }
      panel("guesses").textContent = "";
      root.querySelector('[data-go="back"]').disabled = at === 0;
      root.querySelector('[data-go="first"]').disabled = at === 0;
      root.querySelector('[data-go="next"]').disabled = at === total;
      figure.setAttribute("data-at", at);
    };

    // Moves to `at`, and puts the moment in the address, to link to.
    self.go = function (at) {
      self.show(at);
      if (window.history && history.replaceState) {
        history.replaceState(null, "", "#" + figure.id + "-step-" + self.at);
      }
    };

    // The next event; in guess mode, only once the reader has guessed it.
    self.next = function () {
      if (self.at === total) return;
      var choices = data.states[self.at].choices;
      if (!guess.checked || choices.length < 2) {
        self.go(self.at + 1);
        return;
      }
      var box = panel("guesses");
      box.textContent = "";
      box.appendChild(el("div", "Which event comes next?"));
      var right = choices[0];
      // Shuffled, so that the right one is not always first.
      var shown = choices.slice().sort(function () {
        return Math.random() - 0.5;
      });
      shown.forEach(function (choice) {
        var button = el("button", choice);
        button.type = "button";
        button.addEventListener("click", function () {
          if (choice === right) {
            self.go(self.at + 1);
            panel("guesses").appendChild(el("div", "Right: " + right, "stepper-right"));
          } else {
            button.disabled = true;
            button.className = "stepper-wrong";
          }
        });
        box.appendChild(button);
      });
      // Hides the next line of the trace while the reader guesses.
      if (lines[self.at]) lines[self.at].className = "stepper-hidden";
    };

    root.addEventListener("click", function (e) {
      var go = e.target.getAttribute && e.target.getAttribute("data-go");
      if (go === "first") self.go(0);
      if (go === "back") self.go(self.at - 1);
      if (go === "next") self.next();
    });
    guess.addEventListener("change", function () {
      self.show(self.at);
      root.classList.toggle("stepper-guessing", guess.checked);
    });
    // ← and → step while the figure has the focus; the page's own use of
    // them (the next chapter) is kept for the rest of it.
    figure.addEventListener("keydown", function (e) {
      if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
      var keys = {
        ArrowRight: self.next,
        ArrowLeft: function () { self.go(self.at - 1); },
        Home: function () { self.go(0); },
        End: function () { self.go(total); },
      };
      if (!keys[e.key]) return;
      e.preventDefault();
      e.stopPropagation();
      keys[e.key]();
    });
    // Says whether the arrows are the stepper's now.
    var keys = root.querySelector(".stepper-keys");
    figure.addEventListener("focusin", function () {
      keys.textContent = "← → step this trace";
    });
    figure.addEventListener("focusout", function () {
      keys.textContent = "click here, then ← →";
    });
    root.hidden = false;
    self.show(0);
  }

  var steppers = {};
  document.querySelectorAll("script.stepper-data").forEach(function (script) {
    var figure = document.getElementById(script.getAttribute("data-for"));
    if (figure) steppers[figure.id] = new Stepper(figure, JSON.parse(script.textContent));
  });

  // `#s1-demo-step-12`: that timeline, at event 12.
  function follow() {
    var found = /^#(.+)-step-(\d+)$/.exec(decodeURIComponent(location.hash));
    var stepper = found && steppers[found[1]];
    if (!stepper) return;
    stepper.show(parseInt(found[2], 10));
    var figure = document.getElementById(found[1]);
    // A timeline in a closed "Deeper" aside: opened, to be seen.
    for (var d = figure.closest("details"); d; d = d.parentElement.closest("details")) {
      d.open = true;
    }
    figure.scrollIntoView();
    figure.focus({ preventScroll: true });
  }
  window.addEventListener("hashchange", follow);
  follow();
})();
