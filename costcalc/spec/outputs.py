"""`outputs:` in a spec (format 1.2): the named tensors a design ends in, and the layers none of them needs."""

from __future__ import annotations

from ..errors import SpecError, Where
from ..model.tree import INPUT, Branches, Group, Join, Node
from ..safe import brief
from ..suggest import did_you_mean, listing
from .substitute import substitute
from .yamlload import YList, YMap

Outputs = tuple[tuple[str, Where], ...]
"""A design's outputs as written: each tensor's name and where it is named in `outputs:`."""


def parse_outputs(node, where: Where, designs, params: dict) -> dict[str, Outputs]:
    """Design name → its outputs: a list of tensor names for every design, or a mapping of design name to a list."""
    if node is None:
        return {}
    if isinstance(node, YList):
        return dict.fromkeys(designs, names(node, params))
    if not isinstance(node, YMap):
        raise SpecError(f"outputs is a list of tensor names, got {brief(node)}", where,
                        "write outputs: [p2, p3], naming tensors given with as:")
    for design in node:
        if design not in designs:
            raise SpecError(f"outputs: {brief(design)} is not a design", node.key_where[design],
                            did_you_mean(design, designs) or f"designs: {listing(designs)}")
    return {design: names(value, params, node.at(design)) for design, value in node.items()}


def names(node, params: dict, where: Where | None = None) -> Outputs:
    """The tensor names of one `outputs:` list, each a string, none twice."""
    if not isinstance(node, YList) or not node:
        raise SpecError(f"outputs is a list of one or more tensor names, got {brief(node)}",
                        getattr(node, "where", where), "write outputs: [p2, p3], naming tensors given with as:")
    found: dict[str, Where] = {}
    for index, value in enumerate(node):
        at = node.at(index)
        name = substitute(value, params, at)
        if not isinstance(name, str):
            raise SpecError(f"an output is the name of a tensor, got {brief(name)}", at,
                            "name a layer's output with `as: name`, then list the name in outputs:")
        if name == INPUT:
            raise SpecError(f"{brief(INPUT)} is the design's input, not one of its outputs", at,
                            "list tensors that layers give, named with as:")
        if name in found:
            raise SpecError(f"output {brief(name)} is listed twice", at, f"first at line {found[name].line}")
        found[name] = at
    return tuple(found.items())


def check_outputs(nodes: tuple[Node, ...], outputs: Outputs, flow) -> None:
    """Refuse an output that is not a tensor of the design's own list (`flow`, that list expanded), and items that
    no output needs: an FPN computes every level it returns; a layer computed for nothing is a mistake."""
    for name, where in outputs:
        if name not in flow.tensors:
            raise unknown(name, where, flow)
    producers = {node.keep: index for index, node in enumerate(nodes) if node.keep}
    needed: set[int] = set()
    todo = [producers[name] for name, _ in outputs]
    while todo:
        index = todo.pop()
        if index in needed:
            continue
        needed.add(index)
        node = nodes[index]
        if not isinstance(node, Join) and node.source is None and index > 0:
            todo.append(index - 1)
        todo += [producers[name] for name in read_by(node) if producers.get(name, index) < index]
    unused = [node for index, node in enumerate(nodes) if index not in needed]
    if unused:
        what = listing([node.name for node in unused])
        listed = ", ".join(name for name, _ in outputs)
        raise SpecError(f"{what} {'feeds' if len(unused) == 1 else 'feed'} none of the outputs ({listed})",
                        unused[0].where, "name its tensor with as: and list it in outputs:, or remove it")


def unknown(name: str, where: Where, flow) -> SpecError:
    """Why `name` is no output of the design: named inside a block or branch, a layer's row name, or unknown."""
    if name in flow.declared:
        return SpecError(f"output {brief(name)} (named at line {flow.declared[name].line}) is no tensor of the design's"
                         " own list: it is inside a block or branch, or switched off by when:", where,
                         "give the block call or branches `as:` and list that name")
    if name in flow.layer_names:
        return SpecError(f"unknown tensor {brief(name)}; the layer at line {flow.layer_names[name].line} has name:"
                         f" {brief(name)}, which names its row in the tables", where, f"give it `as: {name}`")
    return SpecError(f"unknown tensor {brief(name)} in outputs", where,
                     did_you_mean(name, flow.tensors) or f"tensors named here: {listing(flow.tensors)}")


def read_by(node: Node) -> set[str]:
    """Every tensor name a node reads, itself or any node inside it."""
    if isinstance(node, Join):
        return set(node.sources)
    found = {node.source} if node.source else set()
    inner: tuple[Node, ...] = node.children if isinstance(node, Group) else node.branches if isinstance(
        node, Branches) else ()
    for child in inner:
        found |= read_by(child)
    return found
