/*
 * halltree.js — the city of halls as a tree (三级联动): district halls, their community centres, and the
 * 小区政务服务站 under those. Halls are {code, name, level, parent}; a hall whose parent is not in the
 * list is a root. The console and the supervisor screen draw it with their own content per hall:
 *
 *   hallTree(halls, function (hall) { return el("button", null, hall.name); }, { label: "大厅" })
 */
import { el } from "./dom.js";

export const LEVEL_NAMES = { district: "区行政服务中心", community: "社区服务中心", station: "小区政务服务站" };
export const LEVEL_SHORT = { district: "区", community: "社区", station: "站" };

/** The halls as nodes {hall, children}, roots first, each level ordered as given. */
export function nest(halls) {
  const nodes = {};
  halls.forEach(function (hall) { nodes[hall.code] = { hall: hall, children: [] }; });
  const roots = [];
  halls.forEach(function (hall) {
    const parent = hall.parent && nodes[hall.parent];
    (parent ? parent.children : roots).push(nodes[hall.code]);
  });
  return roots;
}

/** The codes of a hall and of every hall below it. */
export function branch(halls, code) {
  const found = [code];
  for (let i = 0; i < found.length; i += 1) {
    halls.forEach(function (hall) { if (hall.parent === found[i]) found.push(hall.code); });
  }
  return found;
}

/** A nested list of the halls; render(hall) gives what each item shows. */
export function hallTree(halls, render, options) {
  function list(nodes, depth) {
    return el("ul", { className: depth ? "hall-tree-children" : "hall-tree" }, nodes.map(function (node) {
      const item = el("li", { className: "hall-tree-item hall-level-" + node.hall.level }, [
        el("span", { className: "hall-tree-level", title: LEVEL_NAMES[node.hall.level] || "" },
          LEVEL_SHORT[node.hall.level] || ""),
        render(node.hall),
      ]);
      item.dataset.hall = node.hall.code;
      if (node.children.length) item.append(list(node.children, depth + 1));
      return item;
    }));
  }
  const tree = list(nest(halls), 0);
  if (options && options.label) tree.setAttribute("aria-label", options.label);
  return tree;
}
