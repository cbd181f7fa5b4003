"""import-linter contract types that keep the plugin API small and the kernel free of import circles.

Use them from an import-linter configuration (the project's setup.cfg does, and so can a plugin's)::

    [importlinter]
    root_packages =
        kernel
        my_plugin
    contract_types =
        relais_public_api: kernel.testing.import_contracts.PublicApiContract

    [importlinter:contract:public-api]
    name = my_plugin imports only the public plugin API
    type = relais_public_api
    importers =
        my_plugin

``kernel`` must be a root package (not an external one): import-linter squashes external packages
into one module, which would hide which kernel module is imported.
"""
from __future__ import annotations

from collections import deque
from typing import Any

import grimp
from importlinter import Contract, ContractCheck, fields, output
from importlinter.domain import helpers

# The modules a plugin may import. docs/plugins.md lists them; a test keeps the two in sync.
PUBLIC_MODULES = ("kernel", "kernel.models", "kernel.mail", "kernel.schemas", "kernel.testing")


class PublicApiContract(Contract):
    """The importers (and their descendants) import, from the provider package, only its public modules.

    Options: ``importers`` (module expressions), ``provider`` (default ``kernel``), ``public_modules``
    (default PUBLIC_MODULES), ``also_allowed`` (more modules of the provider the importers may use,
    with their descendants: the web shell's documented kernel internals).
    """

    type_name = "relais_public_api"

    importers = fields.SetField(subfield=fields.ModuleExpressionField())
    provider = fields.StringField(required=False, default="kernel")
    public_modules = fields.ListField(subfield=fields.StringField(), required=False, default=list(PUBLIC_MODULES))
    also_allowed = fields.ListField(subfield=fields.StringField(), required=False, default=[])

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        provider: str = self.provider  # type: ignore[assignment]
        if provider not in graph.modules or graph.is_module_squashed(provider):
            raise ValueError(f"{provider} must be one of the root packages for a {self.type_name} contract")
        public = set(self.public_modules)  # type: ignore[arg-type]
        also = tuple(self.also_allowed)  # type: ignore[arg-type]
        importers = helpers.module_expressions_to_modules(graph, self.importers, as_packages=True)  # type: ignore
        illegal = []
        for importer in sorted(m.name for m in importers):
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                if not (imported == provider or imported.startswith(provider + ".")):
                    continue
                if imported in public or any(imported == a or imported.startswith(a + ".") for a in also):
                    continue
                lines = [d["line_number"] for d in graph.get_import_details(importer=importer, imported=imported)]
                illegal.append({"importer": importer, "imported": imported, "line_numbers": lines})
        return ContractCheck(kept=not illegal, metadata={"illegal": illegal, "public": sorted(public)})

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error(f"Only these modules are public: {', '.join(check.metadata['public'])}.", bold=False)
        output.new_line()
        for link in check.metadata["illegal"]:
            lines = ", ".join(map(str, link["line_numbers"]))
            output.print_error(f"- {link['importer']} -> {link['imported']} (l.{lines})", bold=False)
        output.new_line()


class AcyclicModulesContract(Contract):
    """No import circle between the modules of the given packages (a package's ``__init__`` included).

    import-linter's own ``acyclic_siblings`` compares whole sub-packages; this one follows module to
    module imports, which is what makes an import order matter at run time.
    """

    type_name = "relais_acyclic_modules"

    packages = fields.SetField(subfield=fields.ModuleExpressionField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        modules = {m.name for m in helpers.module_expressions_to_modules(graph, self.packages, as_packages=True)}  # type: ignore
        edges = {m: sorted(graph.find_modules_directly_imported_by(m) & modules - {m}) for m in modules}
        cycles = [_shortest_cycle(edges, component) for component in strongly_connected(edges)]
        cycles = [[_with_lines(graph, a, b) for a, b in zip(cycle, cycle[1:])] for cycle in cycles]
        return ContractCheck(kept=not cycles, metadata={"cycles": sorted(cycles)})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            output.print_error("Import circle:", bold=False)
            for importer, imported, lines in cycle:
                output.print_error(f"- {importer} -> {imported} (l.{', '.join(map(str, lines))})", bold=False)
            output.new_line()


def strongly_connected(edges: dict[str, list[str]]) -> list[list[str]]:
    """The groups of two or more modules that import each other, directly or not (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _shortest_cycle(edges: dict[str, list[str]], component: list[str]) -> list[str]:
    """A shortest circle through the component's first module, as a path that ends where it starts."""
    start, inside = component[0], set(component)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in edges[node]:
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [start, *reversed(path[:-1]), start]
            if child in inside and child not in came_from:
                came_from[child] = node
                queue.append(child)
    raise AssertionError(f"{start} is in a strongly connected component but on no circle")


def _with_lines(graph: grimp.ImportGraph, importer: str, imported: str) -> tuple[str, str, list[Any]]:
    details = graph.get_import_details(importer=importer, imported=imported)
    return importer, imported, sorted(d["line_number"] for d in details)
