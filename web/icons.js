// icons.js — the few line icons the viewer uses, drawn as inline SVG (no icon font, no files).

const NS = "http://www.w3.org/2000/svg";

const PATHS = {
  attachment:
    "M13 7.5 8.2 12.3a2 2 0 0 1-2.8-2.8l5.3-5.3a3.2 3.2 0 0 1 4.5 4.5l-5.6 5.6a4.4 4.4 0 0 1-6.2-6.2L8 3.5",
  back: "M11 4 5 10l6 6M5.5 10H16",
  download: "M10 3v9.5M6 9l4 4 4-4M4 16.5h12",
  menu: "M3.5 5.5h13M3.5 10h13M3.5 14.5h13",
  trash: "M4 6h12M8 6V4h4v2M5.5 6l.9 10.5h7.2L14.5 6",
  unread: "M3 5h14v10H3zM3 5.5l7 5.5 7-5.5",
  search: "M8.5 3.5a5 5 0 1 0 0 10 5 5 0 0 0 0-10zM12.2 12.2 16.5 16.5",
  send: "M3.5 9.5 16.5 3.5l-4.5 13-3-5.5zM9 11l7.5-7.5",
};

/** An <svg> icon in the text colour, hidden from screen readers (the labels carry meaning). */
export function icon(name) {
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 20 20");
  svg.setAttribute("class", `icon icon-${name}`);
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(NS, "path");
  path.setAttribute("d", PATHS[name]);
  path.setAttribute("fill", "none");
  path.setAttribute("stroke", "currentColor");
  path.setAttribute("stroke-width", "1.6");
  path.setAttribute("stroke-linecap", "round");
  path.setAttribute("stroke-linejoin", "round");
  svg.append(path);
  return svg;
}

/** Put an icon in front of every element marked data-icon="name" in the static page. */
export function decorate(root = document) {
  for (const el of root.querySelectorAll("[data-icon]")) {
    if (!el.querySelector("svg.icon")) el.prepend(icon(el.dataset.icon));
  }
}
