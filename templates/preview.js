(() => {
  "use strict";
  const media = document.getElementById("media");
  const track = document.getElementById("track");
  const slides = Array.from(track.children);
  const prev = document.getElementById("prev");
  const next = document.getElementById("next");
  const counter = document.getElementById("counter");
  const dots = Array.from(document.getElementById("dots").children);
  const count = slides.length;
  // A right-to-left post runs its carousel right to left, as Instagram does in Arabic and Hebrew: the
  // next slide comes in from the left. step is where the next slide lies: +1 to the right, -1 to the left.
  const step = getComputedStyle(media).direction === "rtl" ? -1 : 1;
  let index = 0;

  function show(target) {
    index = Math.max(0, Math.min(count - 1, target));
    track.style.transform = `translateX(${-100 * index * step}%)`;
    counter.textContent = `${index + 1}/${count}`;
    prev.hidden = index === 0;
    next.hidden = index === count - 1;
    dots.forEach((dot, k) => dot.classList.toggle("on", k === index));
    slides.forEach((slide, k) => slide.setAttribute("aria-hidden", String(k !== index)));
  }

  prev.addEventListener("click", () => show(index - 1));
  next.addEventListener("click", () => show(index + 1));
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "ArrowLeft") show(index - step);
    else if (event.key === "ArrowRight") show(index + step);
    else return;
    event.preventDefault();
  });

  // Swipe with a finger or drag with the mouse: pointer events cover both.
  let pointer = null;
  let startX = 0;
  let startY = 0;
  let moved = 0;
  media.addEventListener("pointerdown", (event) => {
    if (pointer !== null || event.button !== 0 || event.target.closest("button")) return;
    pointer = event.pointerId;
    startX = event.clientX;
    startY = event.clientY;
    moved = 0;
    media.setPointerCapture(pointer);
    media.classList.add("dragging");
    track.style.transition = "none";
  });
  media.addEventListener("pointermove", (event) => {
    if (event.pointerId !== pointer) return;
    moved = event.clientX - startX;
    // Resist past the first and last slide, as the app does. forward: the finger brings the next slide in.
    const forward = moved * step < 0;
    const atEdge = (index === 0 && moved !== 0 && !forward) || (index === count - 1 && forward);
    const offset = atEdge ? moved / 3 : moved;
    track.style.transform = `translateX(calc(${-100 * index * step}% + ${offset}px))`;
  });
  function release(event) {
    if (event.pointerId !== pointer) return;
    pointer = null;
    media.classList.remove("dragging");
    track.style.transition = "";
    const vertical = Math.abs(event.clientY - startY) > Math.abs(moved);
    const far = Math.abs(moved) > Math.min(80, media.clientWidth * 0.15);
    show(!vertical && far ? index + (moved * step < 0 ? 1 : -1) : index);
  }
  media.addEventListener("pointerup", release);
  media.addEventListener("pointercancel", release);

  // "… more" shows the whole caption, as in the app.
  const more = document.getElementById("more");
  if (more) {
    more.addEventListener("click", () => {
      document.getElementById("caption-short").hidden = true;
      document.getElementById("caption-full").hidden = false;
    });
  }

  // Served with --watch: reload when the post is re-made; show why when re-making failed.
  const live = document.body.dataset.live;
  if (live) {
    const banner = document.querySelector(".live-error");
    let version = null;
    const poll = async () => {
      try {
        const response = await fetch(live, { cache: "no-store" });
        const state = await response.json();
        if (version !== null && state.version !== version && !state.error) {
          location.reload();
          return;
        }
        version = state.version;
        // The page's own words are in the post's language: the template puts them in data attributes.
        banner.textContent = state.error ? `${banner.dataset.failed} ${state.error}` : "";
        banner.hidden = !state.error;
      } catch (error) {
        // The server is gone or restarting; keep the page and try again.
      }
      setTimeout(poll, 500);
    };
    poll();
  }
})();
