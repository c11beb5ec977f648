"""Diagrams: the layout as geometry (columns, no overlaps, folding), the SVG as XML, the HTML page, the README
picture."""

import itertools
import xml.etree.ElementTree as ET

import pytest
from conftest import ROOT, SPECS, run

from costcalc import analyze, load
from costcalc.draw.geometry import BOX_H, CHAR_W, diagram_of
from costcalc.draw.svg import fill, svg

SVG = "{http://www.w3.org/2000/svg}"
ZOO = sorted((SPECS / "zoo").glob("*.yaml"))


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def design(path, name=None):
    analysis = analyze(load(path))
    return analysis.design(name or analysis.baseline)


def overlap(a, b) -> bool:
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


def inside(inner, outer) -> bool:
    return (outer.x <= inner.x and inner.x + inner.w <= outer.x + outer.w
            and outer.y <= inner.y and inner.y + inner.h <= outer.y + outer.h)


def test_the_inception_module_shows_its_four_branches_side_by_side():
    diagram = diagram_of(design(SPECS / "googlenet_3a.yaml", "reduced"))
    first = {b.path.split("/")[1]: b for b in diagram.boxes if b.path.count("/") == 2 and b.path.endswith("1")}
    assert list(first) == ["1x1", "3x3", "5x5", "pool"]
    assert len({b.y for b in first.values()}) == 1                       # one row
    xs = [b.x for b in first.values()]
    assert xs == sorted(xs) and len(set(xs)) == 4                         # left to right
    merge = next(b for b in diagram.boxes if b.path == "3a/concat")
    assert merge.y > max(b.y for b in diagram.boxes if b.path.startswith("3a/3x3"))  # joined below
    assert [b.lines for b in diagram.boxes if b.path == "3a/3x3/conv2"] == [
        ("conv2", "28×28×128", "86.7M MACs · 110.7K params")]
    assert [(f.title, f.role) for f in diagram.frames][:1] == [("3a · branches (concat) · 128.0M MACs", "branches")]


@pytest.mark.parametrize("path", [SPECS / "googlenet_3a.yaml", SPECS / "bottleneck_5x5.yaml", *ZOO],
                         ids=lambda p: p.name)
@pytest.mark.parametrize("depth", [None, 1])
def test_nothing_overlaps_and_every_label_fits(path, depth):
    analysis = analyze(load(path))
    for result in analysis.designs:
        diagram = diagram_of(result, depth)
        for a, b in itertools.combinations(diagram.boxes, 2):
            assert not overlap(a, b), (a.path, b.path)
        for box in diagram.boxes:
            assert 0 <= box.x and box.x + box.w <= diagram.width and box.y + box.h <= diagram.height
            assert all(len(line) * CHAR_W <= box.w - 8 for line in box.lines), box.lines
        for frame in diagram.frames:
            assert len(frame.title) * CHAR_W <= frame.w, frame.title
        for frame, box in itertools.product(diagram.frames, diagram.boxes):
            assert inside(box, frame) or not overlap(box, frame) or frame.role == "branch" and not overlap(box, frame)
        for a, b in itertools.combinations([f for f in diagram.frames if f.role != "branch"], 2):
            assert inside(a, b) or inside(b, a) or not overlap(a, b), (a.title, b.title)


def test_every_edge_ends_on_the_top_of_a_box_or_where_a_fork_starts():
    diagram = diagram_of(design(SPECS / "googlenet_3a.yaml", "reduced"))
    tops = {(b.x + b.w / 2, b.y) for b in diagram.boxes}
    starts = {e.points[0] for e in diagram.edges}
    assert all(e.points[-1] in tops | starts for e in diagram.edges)
    # input → fork, fork → each of 4 branches, conv1 → conv2 in 3 of them, each branch → the merge
    assert len(diagram.edges) == 1 + 4 + 3 + 4
    assert all(len({x for x, _ in e.points[i:i + 2]}) == 1 or len({y for _, y in e.points[i:i + 2]}) == 1
               for e in diagram.edges for i in range(len(e.points) - 1))  # orthogonal segments


def test_depth_folds_deeper_rows_into_one_box():
    full = diagram_of(design(SPECS / "zoo" / "resnet50_keras.yaml"))
    folded = diagram_of(design(SPECS / "zoo" / "resnet50_keras.yaml"), 0)
    assert len(folded.boxes) == 1 + sum(1 for r in design(SPECS / "zoo" / "resnet50_keras.yaml").rows if r.depth == 0)
    assert len(folded.boxes) < len(full.boxes) and folded.height < full.height
    assert all(b.h == BOX_H for b in folded.boxes)


def test_the_fill_follows_the_share_of_macs():
    assert [fill(s) for s in (0, 0.01, 0.05, 0.3, 0.9)] == ["#f7fbff", "#deebf7", "#c6dbef", "#3182bd", "#08519c"]


def test_the_svg_is_well_formed_with_a_box_per_row_and_a_legend():
    result = design(SPECS / "googlenet_3a.yaml", "reduced")
    root = ET.fromstring(svg(diagram_of(result), "3a"))
    boxes = root.findall(f"{SVG}g[@class='box']")
    assert [b.get("data-path") for b in boxes] == ["input", *(r.path for r in result.rows if r.role != "branch"
                                                                and r.role != "branches")]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "fill: share of the design's MACs" in texts and "86.7M MACs · 110.7K params" in texts


def test_draw_writes_svg_and_html(tmp_path):
    assert run("draw", "specs/googlenet_3a.yaml", "-o", str(tmp_path / "a.svg")).code == 0
    assert ET.parse(tmp_path / "a.svg").getroot().tag == f"{SVG}svg"
    assert run("draw", "specs/googlenet_3a.yaml", "-o", str(tmp_path / "a.html")).code == 0
    assert (tmp_path / "a.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("args, message", [
    (["-o", "x.png"], "Error: --output 'x.png': name a .svg or .html file, or - for SVG on standard output"),
    (["-o", "x.svg", "--design", "nope"], "no design 'nope' in specs/googlenet_3a.yaml; designs: reduced, naive"),
    (["-o", "/no/such/dir/x.svg"], "/no/such/dir/x.svg: cannot write: No such file or directory"),
])
def test_draw_errors(args, message):
    result = run("draw", "specs/googlenet_3a.yaml", *args)
    assert result.code == 2
    assert result.err.splitlines()[-1] == message


def test_html_formats_are_self_contained_pages():
    for command in (["report", "specs/googlenet_3a.yaml"], ["compare", "specs/bottleneck_5x5.yaml"]):
        page = run(*command, "--format", "html").out
        assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")
        assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing fetched
        assert "<script" not in page
    assert "this output has no html form" in run("diff", "specs/bottleneck_5x5.yaml", "-d", "standard", "-d",
                                                  "bottleneck", "--format", "html").err


def test_the_readme_picture_is_current(golden):
    """docs/googlenet_3a.svg, shown in the README: `costcalc draw specs/googlenet_3a.yaml --design reduced -o …`."""
    picture = ROOT / "docs" / "googlenet_3a.svg"
    current = run("draw", "specs/googlenet_3a.yaml", "--design", "reduced", "-o", "-").out
    golden("../../docs/googlenet_3a.svg", current)
    assert "docs/googlenet_3a.svg" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert picture.exists()


RESIDUAL = """name: a residual block and a skip
input: [28, 28, 64]
blocks:
  residual:
    layers:
      - conv: {filters: 64, kernel: 3}
      - conv: {filters: 64, kernel: 3, as: x}
      - merge: add
        from: [input, x]
layers:
  - conv: {filters: 64, kernel: 1, as: stem}
  - residual
  - residual
  - conv: {filters: 64, kernel: 1, from: stem}
"""


def test_named_tensors_get_their_own_edges_around_what_they_skip():
    from costcalc import loads
    diagram = diagram_of(analyze(loads(RESIDUAL)).design("main"))
    boxes = {b.path: b for b in diagram.boxes}
    right = {(b.x + b.w, b.y + b.h / 2): path for path, b in boxes.items()}
    named = [(right.get(e.points[0]), right.get(e.points[-1])) for e in diagram.edges if len(e.points) == 4
             and e.points[0][1] != e.points[-1][1] and e.points[0] in right]
    # each block's input is what enters it: conv1, then the first block's merge; conv4 reads stem, not residual3
    assert sorted(named) == [("conv1", "conv4"), ("conv1", "residual2/merge3"),
                             ("residual2/merge3", "residual3/merge3")]
    conv4 = boxes["conv4"]
    assert not [e for e in diagram.edges if e.points[-1] == (conv4.x + conv4.w / 2, conv4.y)]  # no edge from above
    for edge in diagram.edges:  # a skip runs right of every box it passes
        if len(edge.points) == 4 and edge.points[1][0] == edge.points[2][0] and edge.points[0] in right:
            lane, top, bottom = edge.points[1][0], edge.points[1][1], edge.points[2][1]
            assert all(lane > b.x + b.w for b in diagram.boxes if b.y < bottom and b.y + b.h > top)


def test_the_roofline_puts_every_layer_under_the_roof_and_depthwise_under_the_memory_roof():
    from costcalc.device.figures import on_device
    from costcalc.device.profiles import builtin_devices
    from costcalc.device.settings import DeviceSettings
    from costcalc.draw.roofline_chart import points, roofline_svg

    device = builtin_devices()["t4"]
    result = design(SPECS / "zoo" / "mobilenet_v2_torchvision.yaml")
    run = on_device(result, DeviceSettings(), device)
    found = points(run)
    roof = device.peak("float32") * device.compute_efficiency
    slope = device.bytes_per_s * device.memory_efficiency
    assert len(found) > 100
    assert all(rate <= min(roof, slope * intensity) * (1 + 1e-9) for _, _, intensity, rate in found)
    depthwise = [intensity for _, kind, intensity, _ in found if kind == "depthwise"]
    assert depthwise and max(depthwise) < roof / slope  # left of the ridge: memory-bound
    root = ET.fromstring(roofline_svg(run))
    assert len(root.findall(f"{SVG}circle[@class='layer']")) == len(found)


def test_report_html_with_a_device_has_the_roofline_and_the_device_columns():
    page = run("report", "specs/bottleneck_5x5.yaml", "--device", "t4", "--format", "html").out
    assert page.count('class="roofline"') == 3  # one per design
    assert "<th>bound</th>" in page and "<th>FLOP/B</th>" in page
    assert 'class="roofline"' not in run("report", "specs/bottleneck_5x5.yaml", "--format", "html").out


LABELS = """input: [16, 16, 8]
layers:
  - conv: {filters: 8, kernel: 3, as: skip}
  - relu
  - conv_transpose: {filters: 8, kernel: 3, name: decoder_stage_one_upsampling_conv_transpose, as: up}
  - {merge: add, from: [skip, up], name: add}
  - conv: {filters: 8, kernel: 1, name: expand, as: wide}
  - {merge: concat, from: [skip, wide]}
"""


def drawn(*args: str):
    result = run("draw", *args, "-o", "-")
    assert result.code == 0, result.err
    return ET.fromstring(result.out)


def names_in_boxes(root) -> list[str]:
    return [box.findall(f"{SVG}text")[0].text for box in root.iter(f"{SVG}g") if box.get("class") == "box"]


def test_each_box_names_its_layer_once_and_its_kind_where_the_name_does_not_say_it(spec_file):
    root = drawn(spec_file(LABELS))
    assert names_in_boxes(root) == ["input", "conv1", "relu2", "decoder_stage…conv_transpose", "add", "expand · conv",
                                    "merge6 · concat"]


def test_labels_are_cut_at_word_boundaries():
    from costcalc.draw.labels import label, shorten

    assert shorten("decoder_stage_one_upsampling_conv_transpose", 29) == "decoder_stage…conv_transpose"
    assert shorten("bottleneck_path_long", 15) == "bottleneck…long"
    assert label("layer3.12", "bottleneck", 37, "218.4M MACs") == "layer3.12 · bottleneck · 218.4M MACs"
    assert label("layer1.0", "basic_block", 31, "231.2M MACs") == "layer1.0 · basic… · 231.2M MACs"
    assert label("layer1.0", "basic_block", 25, "231.2M MACs") == "layer1.0 · 231.2M MACs"
    assert label("a_very_long_layer_name_indeed", "conv", 18) == "a_very_long…indeed"


def test_a_skip_edge_carries_the_name_of_its_tensor(spec_file):
    root = drawn(spec_file(LABELS))
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "edge-label"] == ["skip", "skip"]
    root = drawn(spec_file(RESIDUAL))  # a block's `input` is not labelled: only names a spec gives with as:
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "edge-label"] == ["stem"]


def test_titles_stand_on_a_white_rectangle_not_a_paint_order_halo():
    text = run("draw", "specs/googlenet_3a.yaml", "--design", "reduced", "-o", "-").out
    assert "paint-order" not in text
    elements = list(ET.fromstring(text))
    titles = [i for i, e in enumerate(elements) if e.get("class") == "frame-title"]
    assert [elements[i].text for i in titles] == ["3a · branches (concat) · 128.0M MACs", "1x1", "3x3", "5x5", "pool"]
    for i in titles:
        back, title = elements[i - 1], elements[i]
        assert back.get("class") == "text-back" and back.get("fill") == "#ffffff"
        assert float(back.get("x")) < float(title.get("x"))
        assert float(back.get("width")) >= len(title.text) * CHAR_W


def test_with_a_device_each_box_shows_its_time():
    root = drawn("specs/bottleneck_5x5.yaml", "--design", "standard", "--device", "a100")
    conv = next(box for box in root.iter(f"{SVG}g") if box.get("data-path") == "conv1")
    assert [t.text for t in conv.findall(f"{SVG}text")] == ["conv1", "28×28×32", "29.7 µs · 120.4M MACs"]


def test_every_design_side_by_side():
    root = drawn("specs/bottleneck_5x5.yaml", "--design", "all")
    groups = [g for g in root.findall(f"{SVG}g") if g.get("transform")]
    assert [g.get("transform") for g in groups] == ["translate(0,32)", "translate(292,32)", "translate(584,32)"]
    assert [t.text for t in root.findall(f"{SVG}text") if t.get("class") == "design"] == [
        "standard", "bottleneck", "separable"]
    assert [names_in_boxes(g) for g in groups] == [["input", "conv1"], ["input", "conv1", "conv2"],
                                                   ["input", "depthwise1", "conv2"]]
    assert [t.text for t in root.findall(f"{SVG}text") if t.get("class") == "legend"] == [
        "fill: share of the design's MACs"]
    two = drawn("specs/bottleneck_5x5.yaml", "-d", "separable", "-d", "standard", "--device", "a100")
    assert [t.text for t in two.findall(f"{SVG}text") if t.get("class") == "legend"] == [
        "separable: fill: share of the estimated latency on a100 at batch 1, 11.8 µs (float32); device a100: built-in",
        "standard: fill: share of the estimated latency on a100 at batch 1, 29.7 µs (float32); device a100: built-in"]


def test_an_identity_branch_is_as_wide_as_its_name_needs():
    from costcalc import loads

    spec = loads("input: [8, 8, 16]\nlayers:\n  - branches: {residual: [relu], shortcut: []}\n    merge: add\n")
    frames = {f.title: f for f in diagram_of(analyze(spec).design("main")).frames if f.role == "branch"}
    assert list(frames) == ["residual", "shortcut"]
    assert frames["shortcut"].w == 2 * (len("shortcut") * CHAR_W + 12)  # the name left of the edge down the middle
