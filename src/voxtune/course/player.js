"use strict";
// Word highlighting for the course player. The page's markup is rendered by voxtune; this script only reads the
// embedded course data (so it also works from file://) and follows each item's audio clock.
(function () {
  const data = JSON.parse(document.getElementById("course-data").textContent);
  const audios = Array.from(document.querySelectorAll("audio"));
  const rate = document.getElementById("rate");

  // Only one clip speaks at a time: a learner who starts another item means "this one now".
  function pauseOthers(current) {
    for (const audio of audios) {
      if (audio !== current && !audio.paused) audio.pause();
    }
  }

  function play(audio) {
    pauseOthers(audio);
    // play() rejects when the browser refuses (autoplay rules, no decodable source); the native controls still
    // work then, so there is nothing more to do than not to leave the rejection unhandled.
    audio.play().catch(function () {});
  }

  for (const audio of audios) {
    audio.addEventListener("play", function () { pauseOthers(audio); });
  }
  if (rate) {
    rate.addEventListener("change", function () {
      for (const audio of audios) audio.playbackRate = Number(rate.value);
    });
  }

  // Index of the last word starting at or before t, or -1 (words are in time order).
  function lastStarted(words, t) {
    let lo = 0;
    let hi = words.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (words[mid].start <= t) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }

  function setupItem(article) {
    const item = data.course.lessons[Number(article.dataset.lesson)].items[Number(article.dataset.item)];
    const timing = data.timings[item.timings];
    const words = timing.words;
    const segments = timing.segments;
    const audio = article.querySelector("audio.clip");
    const button = article.querySelector("button.play");
    const wordEls = Array.from(article.querySelectorAll(".w"));
    const segEls = Array.from(article.querySelectorAll(".seg"));
    const name = button.dataset.name;
    let activeWord = -1;
    let activeSeg = -1;
    let frame = 0;

    // A word stays lit through the short gap before the next word of its line, so the highlight does not flicker
    // between words; it goes dark in the pauses between segments.
    function wordAt(t) {
      const i = lastStarted(words, t);
      if (i < 0) return -1;
      const next = words[i + 1];
      if (t < words[i].end) return i;
      if (next && next.segment === words[i].segment && t < next.start) return i;
      return -1;
    }

    function segmentAt(t) {
      for (let s = 0; s < segments.length; s++) {
        if (segments[s].start <= t && t < segments[s].end) return s;
      }
      return -1;
    }

    // Highlights what is spoken at t seconds into this item (its own clip, or the lesson track minus its offset).
    function render(t) {
      const w = wordAt(t);
      if (w !== activeWord) {
        if (activeWord >= 0) {
          wordEls[activeWord].classList.remove("active");
          wordEls[activeWord].removeAttribute("aria-current");
        }
        if (w >= 0) {
          wordEls[w].classList.add("active");
          wordEls[w].setAttribute("aria-current", "true");
        }
        activeWord = w;
      }
      const s = w >= 0 ? words[w].segment : segmentAt(t);
      if (s !== activeSeg) {
        if (activeSeg >= 0 && segEls[activeSeg]) segEls[activeSeg].classList.remove("speaking");
        if (s >= 0 && segEls[s]) segEls[s].classList.add("speaking");
        activeSeg = s;
      }
    }

    // requestAnimationFrame follows the clock smoothly while playing; timeupdate/seeked cover paused seeks and
    // background tabs, where animation frames stop.
    function follow() { render(audio.currentTime); }

    function tick() {
      follow();
      frame = audio.paused ? 0 : requestAnimationFrame(tick);
    }

    function showState() {
      const playing = !audio.paused;
      button.textContent = playing ? "❚❚ Pause" : "▶ Play";
      button.setAttribute("aria-label", (playing ? "Pause " : "Play ") + name);
    }

    function seek(seconds) {
      audio.currentTime = seconds;
      follow();
      if (audio.paused) play(audio);
    }

    audio.addEventListener("play", function () {
      showState();
      if (!frame) frame = requestAnimationFrame(tick);
    });
    audio.addEventListener("pause", showState);
    audio.addEventListener("ended", showState);
    audio.addEventListener("timeupdate", follow);
    audio.addEventListener("seeked", follow);
    button.addEventListener("click", function () {
      if (audio.paused) play(audio); else audio.pause();
    });
    article.addEventListener("click", function (event) {
      const target = event.target;
      if (!(target instanceof Element)) return;
      const word = target.closest(".w");
      if (word) { seek(words[Number(word.dataset.w)].start); return; }
      const segButton = target.closest(".seg-play");
      if (segButton) seek(segments[Number(segButton.dataset.seg)].start);
    });
    return { lesson: Number(article.dataset.lesson), item: item, render: render };
  }

  const items = Array.from(document.querySelectorAll("article.item")).map(setupItem);

  // A lesson track highlights the words of whichever item it is playing (course.json gives each item's offset).
  function setupTrack(track, lesson) {
    const own = items.filter(function (entry) {
      return entry.lesson === lesson && typeof entry.item.track_offset === "number";
    });
    let current = null;
    let frame = 0;
    function follow() {
      const t = track.currentTime;
      const playing = own.find(function (entry) {
        const start = entry.item.track_offset;
        return start <= t && t < start + entry.item.duration;
      }) || null;
      if (current && current !== playing) current.render(-1);
      if (playing) playing.render(t - playing.item.track_offset);
      current = playing;
    }
    function tick() {
      follow();
      frame = track.paused ? 0 : requestAnimationFrame(tick);
    }
    track.addEventListener("play", function () { if (!frame) frame = requestAnimationFrame(tick); });
    track.addEventListener("timeupdate", follow);
    track.addEventListener("seeked", follow);
  }

  document.querySelectorAll("section.lesson").forEach(function (section, lesson) {
    const track = section.querySelector("audio.lesson-track");
    if (track) setupTrack(track, lesson);
  });
})();
