"""Outlines of small real snippets, one table row per language."""

from __future__ import annotations

import pytest

from hushcode.workspace.outline import Outline, outline

PYTHON = '''\
"""Geometry."""
import os.path as osp
from ..pkg.shapes import Circle, Square as Sq
from . import helpers
from .all import *

LIMIT = 10


# Area of a rectangle.
@cache
def area(width: float,
         height: float) -> float:
    """Width times height."""
    def local():
        pass
    return width * height


class Shape(Base):
    """A shape."""

    def perimeter(self) -> float:
        return 0.0
'''

JAVASCRIPT = '''\
import React, { useState, useEffect as effect } from "react";
import * as utils from "./utils.js";
export { format } from "./format";
export * from "../shared/index";
const fs = require("fs");

/** Adds two numbers. */
export function add(a, b) {
  return a + b;
}

export const double = (x) => x * 2;
const MAX = 3;

class Counter extends Base {
  increment(step) {
    this.count += step;
  }
}
'''

TYPESCRIPT = '''\
import type { Config } from "./config";

export interface Shape {
  area(): number;
}

export type Id = string;

export enum Color { Red, Green }

/** Creates a shape. */
export function makeShape(id: Id): Shape {
  return { area: () => 0 };
}

export abstract class Base {
  abstract describe(): string;
  size(): number { return 0; }
}
'''

TSX = '''\
import { Button } from "./button";

type Props = { label: string };

export function Greeting({ label }: Props) {
  return <Button>{label}</Button>;
}

export const Card = (props: Props) => <div>{props.label}</div>;
'''

GO = '''\
package geo

import (
\t"fmt"
\tstr "strings"
)

// Max is the largest size.
const Max = 10

// Point is a point.
type Point struct {
\tX, Y int
}

type Shape interface {
\tArea() float64
}

// Distance returns the Manhattan distance.
func Distance(a, b Point) int {
\treturn abs(a.X-b.X) + abs(a.Y-b.Y)
}

func (p *Point) Move(dx int) {
\tp.X += dx
}
'''

RUST = '''\
use std::collections::HashMap;
use crate::shapes::{Circle, Square as Sq};
mod util;

/// A point in the plane.
pub struct Point { pub x: i32, pub y: i32 }

pub trait Shape {
    fn area(&self) -> f64;
}

impl Point {
    /// The origin.
    pub fn origin() -> Self { Point { x: 0, y: 0 } }
}

pub const MAX: u32 = 10;

pub fn distance(a: &Point, b: &Point) -> i32 {
    (a.x - b.x).abs() + (a.y - b.y).abs()
}
'''

JAVA = '''\
package com.example.geo;

import java.util.List;
import com.example.util.*;

/** A point. */
public class Point {
    public static final int MAX = 10;
    private int x;

    public Point(int x) { this.x = x; }

    /** Moves the point. */
    public void move(int dx) { x += dx; }
}

interface Shape { double area(); }
'''

C = '''\
#include <stdio.h>
#include "geo.h"

#define MAX 10

/* A point. */
struct point { int x; int y; };

typedef struct point point_t;

/* Manhattan distance. */
int distance(const point_t *a, const point_t *b) {
    return abs(a->x - b->x) + abs(a->y - b->y);
}

char *describe(const point_t *p);
'''

CPP = '''\
#include <vector>
#include "shape.hpp"

namespace geo {

/// A shape.
class Shape {
 public:
  virtual double area() const = 0;
  int sides() const { return sides_; }
};

double Circle::area() const { return 3.14 * r * r; }

template <typename T> T twice(T v) { return v * 2; }

using Id = int;
}
'''


def kinds(o: Outline) -> set[tuple[str, str, str | None]]:
    return {(d.kind, d.name, d.parent) for d in o.definitions}


CASES = [
    ("python", PYTHON, {("constant", "LIMIT", None), ("function", "area", None), ("class", "Shape", None),
                        ("method", "perimeter", "Shape")}),
    ("javascript", JAVASCRIPT, {("function", "add", None), ("function", "double", None),
                                ("constant", "MAX", None), ("class", "Counter", None),
                                ("method", "increment", "Counter"), ("constant", "fs", None)}),
    ("typescript", TYPESCRIPT, {("interface", "Shape", None), ("method", "area", "Shape"), ("type", "Id", None),
                                ("enum", "Color", None), ("function", "makeShape", None),
                                ("class", "Base", None), ("method", "describe", "Base"),
                                ("method", "size", "Base")}),
    ("tsx", TSX, {("type", "Props", None), ("function", "Greeting", None), ("function", "Card", None)}),
    ("go", GO, {("constant", "Max", None), ("struct", "Point", None), ("interface", "Shape", None),
                ("method", "Area", "Shape"), ("function", "Distance", None), ("method", "Move", "Point")}),
    ("rust", RUST, {("struct", "Point", None), ("trait", "Shape", None), ("method", "area", "Shape"),
                    ("method", "origin", "Point"), ("constant", "MAX", None), ("function", "distance", None)}),
    ("java", JAVA, {("class", "Point", None), ("constant", "MAX", "Point"), ("method", "Point", "Point"),
                    ("method", "move", "Point"), ("interface", "Shape", None), ("method", "area", "Shape")}),
    ("c", C, {("constant", "MAX", None), ("struct", "point", None), ("type", "point_t", None),
              ("function", "distance", None), ("function", "describe", None)}),
    ("cpp", CPP, {("class", "Shape", None), ("method", "area", "Shape"), ("method", "sides", "Shape"),
                  ("method", "area", "Circle"), ("function", "twice", None), ("type", "Id", None)}),
]


@pytest.mark.parametrize(("language", "source", "expected"), CASES, ids=[c[0] for c in CASES])
def test_definitions_per_language(language: str, source: str, expected: set[tuple[str, str, str | None]]) -> None:
    assert kinds(outline(f"x.{language}", source, language)) == expected


def test_python_signature_doc_and_ranges() -> None:
    o = outline("geo.py", PYTHON, "python")
    area = next(d for d in o.definitions if d.name == "area")
    assert area.signature == "@cache\ndef area(width: float,\n         height: float) -> float:"
    assert area.doc == '"""Width times height."""' and area.doc_inside
    assert (area.start_line, area.end_line) == (10, 16)
    assert PYTHON.encode()[area.start_byte:area.end_byte].decode().startswith("@cache")
    assert "local" not in {d.name for d in o.definitions}  # local to a function: not indexed
    assert o.top_level == ("LIMIT", "area", "Shape")


def test_python_imports() -> None:
    imports = outline("geo.py", PYTHON, "python").imports
    found = {(i.module, i.level, i.names, i.alias) for i in imports}
    assert found == {
        ("os.path", 0, (), "osp"),
        ("pkg.shapes", 2, (("Circle", None), ("Square", "Sq")), None),
        ("", 1, (("helpers", None),), None),
        ("all", 1, (("*", None),), None),
    }


def test_javascript_imports_and_reexports() -> None:
    imports = outline("a.js", JAVASCRIPT, "javascript").imports
    found = {(i.module, i.names, i.alias) for i in imports}
    assert found == {
        ("react", (("default", "React"), ("useState", None), ("useEffect", "effect")), None),
        ("./utils.js", (), "utils"),
        ("./format", (("format", None),), None),
        ("../shared/index", (("*", None),), None),
        ("fs", (), "fs"),
    }


def test_leading_comments_are_docs() -> None:
    docs = {d.name: d.doc for lang, src, _ in CASES for d in outline("x", src, lang).definitions if d.doc}
    assert docs["add"] == "/** Adds two numbers. */"
    assert docs["Distance"] == "// Distance returns the Manhattan distance."
    assert docs["Point"].startswith(("/// A point", "// Point is", "/** A point", "/* A point"))
    assert docs["move"] == "/** Moves the point. */"
    assert docs["distance"] == "/* Manhattan distance. */"
    assert docs["Shape"] in ("/// A shape.", '"""A shape."""', "")


SIGNATURES = [
    ("javascript", JAVASCRIPT, "add", "export function add(a, b)"),
    ("javascript", JAVASCRIPT, "double", "export const double = (x) =>"),
    ("typescript", TYPESCRIPT, "makeShape", "export function makeShape(id: Id): Shape"),
    ("tsx", TSX, "Greeting", "export function Greeting({ label }: Props)"),
    ("go", GO, "Move", "func (p *Point) Move(dx int)"),
    ("go", GO, "Point", "type Point struct"),
    ("rust", RUST, "distance", "pub fn distance(a: &Point, b: &Point) -> i32"),
    ("java", JAVA, "move", "public void move(int dx)"),
    ("c", C, "distance", "int distance(const point_t *a, const point_t *b)"),
    ("cpp", CPP, "twice", "T twice(T v)"),
]


@pytest.mark.parametrize(("language", "source", "name", "signature"), SIGNATURES,
                         ids=[f"{c[0]}-{c[2]}" for c in SIGNATURES])
def test_signatures_stop_at_the_body(language: str, source: str, name: str, signature: str) -> None:
    found = [d.signature for d in outline("x", source, language).definitions if d.name == name]
    assert found == [signature]


def test_other_imports() -> None:
    go = {(i.module, i.alias) for i in outline("g.go", GO, "go").imports}
    assert go == {("fmt", None), ("strings", "str")}
    rust = {(i.module, i.names) for i in outline("r.rs", RUST, "rust").imports}
    assert rust == {("std::collections", (("HashMap", None),)),
                    ("crate::shapes", (("Circle", None), ("Square", "Sq"))), ("util", ())}
    java = {(i.module, i.names) for i in outline("P.java", JAVA, "java").imports}
    assert java == {("java.util", (("List", None),)), ("com.example.util", (("*", None),))}
    assert [i.module for i in outline("x.c", C, "c").imports] == ["stdio.h", "geo.h"]
    assert [i.module for i in outline("x.cpp", CPP, "cpp").imports] == ["vector", "shape.hpp"]


def test_broken_code_still_outlines() -> None:
    o = outline("x.py", "def ok():\n    return 1\n\ndef broken(:\n", "python")
    assert "ok" in {d.name for d in o.definitions}


def test_long_docs_are_cut_and_closed() -> None:
    body = "\n    ".join(f"line {i}" for i in range(30))
    o = outline("x.py", f'def f(a):\n    """{body}\n    """\n    return a\n', "python")
    assert o.definitions[0].doc.endswith('line 7 ..."""')
    comment = "\n".join(f" * line {i}" for i in range(30))
    c = outline("x.c", f"/**\n{comment}\n */\nint f(void) {{ return 0; }}\n", "c")
    assert c.definitions[0].doc.endswith("line 6 ... */")


def test_every_grammar_has_an_outline_query() -> None:
    from hushcode.syntax.languages import LANGUAGES
    from hushcode.workspace.outline import has_outline, outline_query

    for name in LANGUAGES:
        assert has_outline(name), name
        assert outline_query(name).pattern_count > 0  # compiles against the installed grammar
