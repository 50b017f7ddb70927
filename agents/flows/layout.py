"""Where each node sits on the flow builder's canvas (a node's `x` and `y`): presentation, not behaviour. Kept on the
template (`CallTemplate.layout`, {node id: {"x", "y"}}) apart from its versions, so moving a node makes no version."""

POSITION = ("x", "y")


def split_layout(flow):
    """(the flow without positions, {node id: {"x", "y"}} of its nodes that have both)."""
    if not isinstance(flow, dict) or not isinstance(flow.get("nodes"), list):
        return flow, {}
    nodes, layout = [], {}
    for node in flow["nodes"]:
        if isinstance(node, dict):
            if all(key in node for key in POSITION) and isinstance(node.get("id"), str):
                layout[node["id"]] = {key: node[key] for key in POSITION}
            node = {key: value for key, value in node.items() if key not in POSITION}
        nodes.append(node)
    return {**flow, "nodes": nodes}, layout


def with_layout(flow, layout):
    """The flow with each node at its place in `layout` (where it has one), as the builder and the API show it."""
    if not layout or not isinstance(flow, dict) or not isinstance(flow.get("nodes"), list):
        return flow
    return {
        **flow,
        "nodes": [
            {**node, **layout[node["id"]]} if isinstance(node, dict) and node.get("id") in layout else node
            for node in flow["nodes"]
        ],
    }
