// The visual flow builder (dashboard/templates/builder.html): a call template's flow drawn on a Drawflow canvas.
//
// The flow itself (the JSON the agents app validates and saves) is the model here: each node's settings, and its
// outgoing edges by port ("next", "on_failure", "else", "on_max_visits", "branches.<i>"). Drawflow only draws it
// and reports what the user drags; structural changes (a branch added or removed, a node renamed) redraw the canvas
// from the model. Saving posts the whole flow; the server's validation comes back as problems named by node, which
// are shown on those nodes. Nothing here is inline: the page hands its data over with json_script.
(() => {
  const EDGE_FIELDS = ["next", "on_failure", "else", "on_max_visits"];
  const PORT_LABELS = { next: "next", on_failure: "if it fails", else: "otherwise", on_max_visits: "too many visits" };
  const TEXT_OPS = ["contains", "equals", "regex"];
  const NUMBER_OPS = ["eq", "lt", "lte", "gt", "gte"];
  const STARTERS = {
    message: () => ({ text: "New message." }),
    question: (id) => ({ text: "New question?", variable: id }),
    condition: () => ({ branches: [{ op: "yes" }] }),
    action: (id, data) => ({ action: data.actions.includes("end_call") ? "end_call" : data.actions[0] }),
    llm: () => ({ goal: "New goal." }),
  };

  const clone = (value) => JSON.parse(JSON.stringify(value));
  const byId = (id) => document.getElementById(id);

  function portsOf(node) {
    const ports = node.type === "condition" ? (node.branches || []).map((_, i) => `branches.${i}`) : ["next"];
    if (node.type === "condition") ports.push("else");
    if (node.type === "action") ports.push("on_failure");
    if (node.max_visits) ports.push("on_max_visits");
    return ports;
  }

  function portLabel(node, port) {
    if (!port.startsWith("branches.")) return PORT_LABELS[port];
    const branch = node.branches[Number(port.split(".")[1])] || {};
    const value = Array.isArray(branch.value) ? branch.value.join(", ") : branch.value;
    return [branch.op, value].filter((part) => part !== undefined && part !== "").join(" ");
  }

  // A flow node → its settings (without edges) and its edges by port.
  function split(node) {
    const data = clone(node);
    const edges = {};
    for (const field of EDGE_FIELDS) {
      if (data[field]) edges[field] = data[field];
      delete data[field];
    }
    (data.branches || []).forEach((branch, i) => {
      if (branch.next) edges[`branches.${i}`] = branch.next;
      delete branch.next;
    });
    const position = { x: data.x, y: data.y };
    delete data.x;
    delete data.y;
    return { data, edges, position };
  }

  // Columns by distance from the start node, for flows saved without positions (the library's).
  function layout(order, model) {
    const depth = {};
    const start = order.find((id) => model[id].data.start) || order[0];
    const queue = start ? [start] : [];
    if (start) depth[start] = 0;
    while (queue.length) {
      const id = queue.shift();
      for (const target of Object.values(model[id].edges)) {
        if (model[target] && depth[target] === undefined) {
          depth[target] = depth[id] + 1;
          queue.push(target);
        }
      }
    }
    const deepest = Math.max(0, ...Object.values(depth));
    const rows = {};
    for (const id of order) {
      const column = depth[id] ?? deepest + 1;
      rows[column] = (rows[column] || 0) + 1;
      const position = model[id].position;
      if (typeof position.x !== "number" || typeof position.y !== "number") {
        model[id].position = { x: 40 + column * 280, y: 40 + (rows[column] - 1) * 170 };
      }
    }
  }

  class Builder {
    constructor(root, data) {
      this.root = root;
      this.data = data;
      this.canManage = root.dataset.canManage === "true";
      const { nodes, ...rest } = data.flow || { nodes: [] };
      this.rest = rest;
      this.order = [];
      this.model = {};
      for (const node of nodes || []) {
        this.order.push(node.id);
        this.model[node.id] = split(node);
      }
      layout(this.order, this.model);
      this.problems = {};
      for (const error of data.errors || []) {
        (this.problems[error.node_id] = this.problems[error.node_id] || []).push(error.message);
      }
      this.selected = null;
      this.lastText = byId("node-text");
      this.editor = new window.Drawflow(byId("flow-canvas"));
      this.editor.reroute = false;
      this.editor.editor_mode = this.canManage ? "edit" : "view";
      this.editor.start();
      this.listen();
      this.variableNames = [];
      document.querySelectorAll("#node-fields textarea[data-field]:not([data-json])").forEach((field) => {
        new window.VariableSuggestions(field, () => this.variableNames);
      });
      this.draw();
      const first = Object.keys(this.problems).find((id) => this.model[id]);
      this.select(first || this.order.find((id) => this.model[id].data.start) || this.order[0]);
    }

    // --- the canvas, drawn from the model ---

    draw() {
      this.drawing = true;
      const kept = {};
      for (const [flowId, dfId] of Object.entries(this.dfIds || {})) {
        const drawn = this.editor.getNodeFromId(dfId);
        if (drawn && this.model[flowId]) kept[flowId] = { x: drawn.pos_x, y: drawn.pos_y };
      }
      this.editor.clear();
      this.dfIds = {};
      this.flowIds = {};
      for (const id of this.order) {
        const { data, position } = this.model[id];
        const at = kept[id] || position;
        const dfId = this.editor.addNode(data.type, 1, portsOf(data).length, at.x, at.y, `type-${data.type}`, {}, "");
        this.dfIds[id] = String(dfId);
        this.flowIds[String(dfId)] = id;
        this.decorate(id);
      }
      for (const id of this.order) {
        const ports = portsOf(this.model[id].data);
        for (const [port, target] of Object.entries(this.model[id].edges)) {
          const index = ports.indexOf(port);
          if (index >= 0 && this.dfIds[target]) {
            this.editor.addConnection(this.dfIds[id], this.dfIds[target], `output_${index + 1}`, "input_1");
          }
        }
      }
      this.drawing = false;
      this.refreshChoices();
      if (this.selected) this.highlight();
    }

    element(id) {
      return byId(`node-${this.dfIds[id]}`);
    }

    // The node's face on the canvas: type, id, what it says, its ports' names and its problems (text only).
    decorate(id) {
      const element = this.element(id);
      if (!element) return;
      const { data } = this.model[id];
      element.dataset.nodeId = id;
      element.classList.toggle("start", Boolean(data.start));
      element.classList.toggle("invalid", Boolean(this.problems[id]));
      const content = element.querySelector(".drawflow_content_node");
      content.replaceChildren();
      const head = document.createElement("div");
      head.className = "node-head";
      const type = document.createElement("span");
      type.className = "node-type";
      type.textContent = data.start ? `${data.type} · start` : data.type;
      const name = document.createElement("strong");
      name.className = "node-name";
      name.textContent = data.label || id;
      head.append(type, name);
      const text = document.createElement("p");
      text.className = "node-text";
      text.textContent = data.text || data.goal || data.action || data.subject || "";
      content.append(head, text);
      if (this.problems[id]) {
        const list = document.createElement("ul");
        list.className = "node-problems";
        for (const message of this.problems[id]) {
          const item = document.createElement("li");
          item.textContent = message;
          list.append(item);
        }
        content.append(list);
      }
      const ports = portsOf(data);
      element.querySelectorAll(".outputs .output").forEach((output, i) => {
        output.dataset.port = ports[i] ? portLabel(data, ports[i]) : "";
        output.title = output.dataset.port;
      });
    }

    // --- what the user does on the canvas ---

    listen() {
      const editor = this.editor;
      editor.on("connectionCreated", (c) => this.connected(c));
      editor.on("connectionRemoved", (c) => this.disconnected(c));
      editor.on("nodeSelected", (dfId) => this.select(this.flowIds[String(dfId)]));
      editor.on("nodeRemoved", (dfId) => this.removed(this.flowIds[String(dfId)]));
      byId("flow-canvas").addEventListener("click", (event) => {
        const node = event.target.closest(".drawflow-node");
        if (node && node.dataset.nodeId) this.select(node.dataset.nodeId);
      });
      // Drawflow deletes its selected node on the Delete key anywhere in the page: not while typing in the panel.
      document.querySelector(".node-panel").addEventListener("keydown", (event) => event.stopPropagation());
      byId("node-select").addEventListener("change", (event) => this.select(event.target.value, true));
      for (const field of document.querySelectorAll("#node-fields [data-field]")) {
        field.addEventListener(field.dataset.field === "id" ? "change" : "input", () => this.edited(field));
        field.addEventListener("focus", () => {
          if (field.tagName === "TEXTAREA" && !field.dataset.json) this.lastText = field;
        });
      }
      document.querySelectorAll("[data-add-node]").forEach((button) => {
        button.addEventListener("click", () => this.add(button.dataset.addNode));
      });
      document.querySelectorAll("[data-select-node]").forEach((button) => {
        button.addEventListener("click", () => this.select(button.dataset.selectNode, true));
      });
      const remove = byId("delete-node");
      if (remove) remove.addEventListener("click", () => this.selected && editor.removeNodeId(`node-${this.dfIds[this.selected]}`));
      byId("add-branch").addEventListener("click", () => this.addBranch());
      const form = byId("flow-form");
      if (form) form.addEventListener("submit", () => (byId("flow-json").value = JSON.stringify(this.flow())));
    }

    port(dfId, outputClass) {
      const id = this.flowIds[String(dfId)];
      return [id, portsOf(this.model[id].data)[Number(outputClass.split("_")[1]) - 1]];
    }

    connected({ output_id: from, input_id: to, output_class: outputClass, input_class: inputClass }) {
      if (this.drawing) return;
      const [id, port] = this.port(from, outputClass);
      const previous = this.model[id].edges[port];
      this.model[id].edges[port] = this.flowIds[String(to)];
      // A port leads to one node: the new connection replaces the old one.
      if (previous && this.dfIds[previous] && previous !== this.model[id].edges[port]) {
        this.editor.removeSingleConnection(from, this.dfIds[previous], outputClass, inputClass);
      }
    }

    disconnected({ output_id: from, input_id: to, output_class: outputClass }) {
      if (this.drawing || !this.flowIds[String(from)]) return;
      const [id, port] = this.port(from, outputClass);
      if (this.model[id].edges[port] === this.flowIds[String(to)]) delete this.model[id].edges[port];
    }

    removed(id) {
      if (this.drawing || !id) return;
      delete this.model[id];
      this.order = this.order.filter((other) => other !== id);
      for (const other of this.order) {
        const edges = this.model[other].edges;
        for (const port of Object.keys(edges)) if (edges[port] === id) delete edges[port];
      }
      delete this.flowIds[this.dfIds[id]];
      delete this.dfIds[id];
      this.refreshChoices();
      this.select(this.order[0]);
    }

    add(type) {
      let n = 1;
      while (this.model[`${type}_${n}`]) n += 1;
      const id = `${type}_${n}`;
      this.model[id] = { data: { id, type, ...STARTERS[type](id, this.data) }, edges: {}, position: this.freeSpot() };
      this.order.push(id);
      this.draw();
      this.select(id, true);
    }

    // Where a new node goes: the first place in view that no node covers (else below them all).
    freeSpot() {
      const editor = this.editor;
      const zoom = editor.zoom || 1;
      const canvas = byId("flow-canvas");
      const left = -editor.canvas_x / zoom;
      const top = -editor.canvas_y / zoom;
      const taken = this.order.map((id) => {
        const element = this.element(id);
        const drawn = editor.getNodeFromId(this.dfIds[id]);
        return { x: drawn.pos_x, y: drawn.pos_y, w: element.offsetWidth, h: element.offsetHeight };
      });
      const width = 240;
      const height = 150;
      const free = (x, y) => taken.every((t) => x + width <= t.x || t.x + t.w + 20 <= x || y + height <= t.y || t.y + t.h + 20 <= y);
      for (let y = top + 20; y + height <= top + canvas.clientHeight / zoom; y += height) {
        for (let x = left + 20; x + width <= left + canvas.clientWidth / zoom; x += width) {
          if (free(x, y)) return { x, y };
        }
      }
      return { x: left + 20, y: Math.max(top, ...taken.map((t) => t.y + t.h)) + 40 };
    }

    // --- the side panel ---

    select(id, focus = false) {
      if (!id || !this.model[id]) return;
      this.selected = id;
      this.highlight();
      const data = this.model[id].data;
      byId("node-select").value = id;
      byId("node-fields").hidden = false;
      for (const field of document.querySelectorAll("#node-fields [data-field]")) {
        const value = this.read(data, field.dataset.field);
        if (field.type === "checkbox") field.checked = Boolean(value);
        else if (field.dataset.json) field.value = value === undefined ? "" : JSON.stringify(value, null, 2);
        else if (Array.isArray(value)) field.value = value.join(", ");
        else field.value = value ?? "";
      }
      byId("node-type").value = data.type;
      for (const part of document.querySelectorAll("#node-fields [data-types]")) {
        part.hidden = !part.dataset.types.split(" ").includes(data.type);
      }
      const problems = byId("node-errors");
      problems.replaceChildren();
      for (const message of this.problems[id] || []) {
        const item = document.createElement("li");
        item.textContent = message;
        problems.append(item);
      }
      this.drawBranches();
      if (focus) this.element(id)?.scrollIntoView({ block: "nearest", inline: "nearest" });
    }

    highlight() {
      document.querySelectorAll(".drawflow-node.current").forEach((node) => node.classList.remove("current"));
      this.element(this.selected)?.classList.add("current");
    }

    read(data, path) {
      const [head, tail] = path.split(".");
      return tail ? (data[head] || {})[tail] : data[head];
    }

    edited(field) {
      const id = this.selected;
      const data = this.model[id].data;
      const path = field.dataset.field;
      let value = field.type === "checkbox" ? field.checked : field.value;
      if (path === "id") return this.rename(id, value.trim());
      if (field.dataset.json) {
        try {
          value = field.value.trim() ? JSON.parse(field.value) : undefined;
          field.setCustomValidity("");
        } catch {
          field.setCustomValidity("Not valid JSON yet.");
          return;
        }
      }
      if (path === "start" && value) for (const other of this.order) delete this.model[other].data.start;
      if (path === "expect.options") value = value.split(",").map((part) => part.trim()).filter(Boolean);
      const [head, tail] = path.split(".");
      const empty = value === "" || value === false || value === undefined || (Array.isArray(value) && !value.length);
      if (tail) {
        const holder = data[head] || {};
        if (empty) delete holder[tail];
        else holder[tail] = value;
        if (Object.keys(holder).length && holder.type) data[head] = holder;
        else delete data[head];
      } else if (empty) delete data[head];
      else data[head] = value;
      if (path === "start") this.order.forEach((other) => this.decorate(other));
      else this.decorate(id);
      this.refreshChoices();
    }

    rename(from, to) {
      if (!to || to === from || this.model[to]) {
        byId("node-id").value = from;
        return;
      }
      this.model[to] = this.model[from];
      this.model[to].data.id = to;
      delete this.model[from];
      this.order = this.order.map((id) => (id === from ? to : id));
      for (const id of this.order) {
        const edges = this.model[id].edges;
        for (const port of Object.keys(edges)) if (edges[port] === from) edges[port] = to;
      }
      if (this.rest.on_opt_out === from) this.rest.on_opt_out = to;
      if (this.problems[from]) this.problems[to] = this.problems[from];
      this.dfIds[to] = this.dfIds[from];
      this.selected = to;
      this.draw();
      this.select(to);
    }

    // Conditions: one row per branch (its test, its value, an intent's examples), each an output of the node.
    drawBranches() {
      const holder = byId("node-branches");
      holder.replaceChildren();
      const data = this.model[this.selected].data;
      if (data.type !== "condition") return;
      (data.branches || []).forEach((branch, i) => {
        const row = document.createElement("div");
        row.className = "branch";
        const op = this.input("select", `branch-${i}-op`, `Condition ${i + 1}: test`);
        for (const name of this.data.condition_ops) op.control.add(new Option(name, name, false, name === branch.op));
        const value = this.input("input", `branch-${i}-value`, `Condition ${i + 1}: value`);
        value.control.value = Array.isArray(branch.value) ? branch.value.join(", ") : (branch.value ?? "");
        const examples = this.input("input", `branch-${i}-examples`, `Condition ${i + 1}: example phrases`);
        examples.control.value = (branch.examples || []).join(", ");
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "link";
        remove.textContent = `Remove condition ${i + 1}`;
        const update = () => {
          branch.op = op.control.value;
          const raw = value.control.value.trim();
          if (NUMBER_OPS.includes(branch.op)) branch.value = raw === "" ? undefined : Number(raw);
          else if (TEXT_OPS.includes(branch.op) && branch.op !== "regex" && raw.includes(",")) {
            branch.value = raw.split(",").map((part) => part.trim()).filter(Boolean);
          } else branch.value = raw || undefined;
          if (branch.op === "yes" || branch.op === "no") delete branch.value;
          const phrases = examples.control.value.split(",").map((part) => part.trim()).filter(Boolean);
          if (branch.op === "intent" && phrases.length) branch.examples = phrases;
          else delete branch.examples;
          if (branch.value === undefined) delete branch.value;
          examples.wrapper.hidden = branch.op !== "intent";
          this.decorate(this.selected);
        };
        op.control.addEventListener("change", update);
        value.control.addEventListener("input", update);
        examples.control.addEventListener("input", update);
        examples.wrapper.hidden = branch.op !== "intent";
        remove.addEventListener("click", () => this.removeBranch(i));
        row.append(op.wrapper, value.wrapper, examples.wrapper, remove);
        holder.append(row);
      });
    }

    input(tag, id, label) {
      const wrapper = document.createElement("div");
      wrapper.className = "field";
      const caption = document.createElement("label");
      caption.htmlFor = id;
      caption.textContent = label;
      const control = document.createElement(tag);
      control.id = id;
      if (!this.canManage) control.disabled = true;
      wrapper.append(caption, control);
      return { wrapper, control };
    }

    addBranch() {
      const data = this.model[this.selected].data;
      data.branches = [...(data.branches || []), { op: "yes" }];
      this.reshape(this.selected, (edges) => edges);
    }

    removeBranch(index) {
      const data = this.model[this.selected].data;
      data.branches.splice(index, 1);
      this.reshape(this.selected, (edges) => {
        const moved = {};
        for (const [port, target] of Object.entries(edges)) {
          if (!port.startsWith("branches.")) moved[port] = target;
          else {
            const i = Number(port.split(".")[1]);
            if (i < index) moved[port] = target;
            else if (i > index) moved[`branches.${i - 1}`] = target;
          }
        }
        return moved;
      });
    }

    // A node whose outputs change: its edges are renumbered and the canvas redrawn.
    reshape(id, renumber) {
      this.model[id].edges = renumber(this.model[id].edges);
      this.draw();
      this.select(id);
    }

    // Node choices for keyboards, and the variables a text may use ({company}, {answers.<a question's variable>}).
    refreshChoices() {
      const choices = byId("node-select");
      const current = choices.value;
      choices.replaceChildren(...this.order.map((id) => new Option(`${id} (${this.model[id].data.type})`, id)));
      choices.value = this.model[current] ? current : (this.selected ?? "");
      const answers = this.order
        .map((id) => this.model[id].data.variable || this.model[id].data.store)
        .filter(Boolean)
        .map((name) => `answers.${name}`);
      const names = [...new Set([...this.data.variables, ...answers])];
      this.variableNames = names;
      byId("flow-variables").replaceChildren(...names.map((name) => new Option(name, name)));
      const chips = byId("variable-chips");
      chips.replaceChildren(
        ...names.map((name) => {
          const chip = document.createElement("button");
          chip.type = "button";
          chip.className = "chip";
          chip.textContent = `{${name}}`;
          chip.disabled = !this.canManage;
          chip.addEventListener("click", () => this.insert(`{${name}}`));
          return chip;
        }),
      );
    }

    insert(text) {
      const field = this.lastText;
      const at = field.selectionStart ?? field.value.length;
      field.value = field.value.slice(0, at) + text + field.value.slice(field.selectionEnd ?? at);
      field.focus();
      field.selectionStart = field.selectionEnd = at + text.length;
      this.edited(field);
    }

    // --- back to the flow JSON the agents app validates ---

    flow() {
      const nodes = this.order.map((id) => {
        const { data, edges } = this.model[id];
        const node = clone(data);
        const drawn = this.editor.getNodeFromId(this.dfIds[id]);
        node.x = Math.round(drawn.pos_x);
        node.y = Math.round(drawn.pos_y);
        for (const [port, target] of Object.entries(edges)) {
          if (port.startsWith("branches.")) {
            const branch = (node.branches || [])[Number(port.split(".")[1])];
            if (branch) branch.next = target;
          } else if (portsOf(node).includes(port)) node[port] = target;
        }
        return node;
      });
      return { ...this.rest, nodes };
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const root = document.querySelector(".builder");
    if (!root) return;
    window.flowBuilder = new Builder(root, JSON.parse(byId("flow-builder-data").textContent));
  });
})();
