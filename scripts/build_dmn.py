"""Write the DMN 1.3 decision tables in processes/ (authoring aid, like build_pathways.py)."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

ROOT = Path(__file__).resolve().parent.parent


def table(decision_id, name, hit, inputs, outputs, rules, doc):
    """inputs: [(id, label, expr)], outputs: [(id, label, name)], rules: [(ins, outs, note)]"""
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"'
           f' id="defs_{decision_id}" name={quoteattr(name)}'
           f' namespace="https://zorgpad.example/dmn/{decision_id}">',
           f'  <decision id="{decision_id}" name={quoteattr(name)}>',
           f"    <description>{escape(doc)}</description>",
           f'    <decisionTable id="{decision_id}_table" hitPolicy="{hit}">']
    for iid, label, expr in inputs:
        out.append(f'      <input id="{iid}" label={quoteattr(label)}>'
                   f'<inputExpression id="{iid}_expr"><text>{escape(expr)}</text>'
                   "</inputExpression></input>")
    for oid, label, oname in outputs:
        out.append(f'      <output id="{oid}" label={quoteattr(label)} name="{oname}" />')
    for n, (ins, outs, note) in enumerate(rules, 1):
        assert len(ins) == len(inputs) and len(outs) == len(outputs), (decision_id, n)
        out.append(f'      <rule id="{decision_id}_r{n}">')
        out.append(f"        <description>{escape(note)}</description>")
        for k, e in enumerate(ins):
            out.append(f'        <inputEntry id="{decision_id}_r{n}_i{k}">'
                       f"<text>{escape(e)}</text></inputEntry>")
        for k, e in enumerate(outs):
            out.append(f'        <outputEntry id="{decision_id}_r{n}_o{k}">'
                       f"<text>{escape(e)}</text></outputEntry>")
        out.append("      </rule>")
    out += ["    </decisionTable>", "  </decision>", "</definitions>", ""]
    return "\n".join(out)


def triage():
    inputs = [
        ("in_weigert", "Weigert zorg met ernstig nadeel", "weigert_zorg_ernstig_nadeel"),
        ("in_fact", "Bekend bij FACT-team", "bekend_bij_fact"),
        ("in_laagste", "Laagste ZRM-score (alle domeinen)", "min(zrm.values())"),
        ("in_ggz", "ZRM geestelijke gezondheid", 'zrm["geestelijke_gezondheid"]'),
        ("in_middelen", "ZRM middelengebruik", 'zrm["middelengebruik"]'),
        ("in_4d", "Aantal 4D-domeinen met knelpunt", "len(vier_d_knelpunten)"),
    ]
    outputs = [("out_route", "Route", "route"), ("out_urgentie", "Urgentie", "urgentie"),
               ("out_casus", "Casusoverleg", "casusoverleg"), ("out_reden", "Reden", "reden")]
    q = '"{}"'.format
    rules = [
        (["True", "", "", "", "", ""],
         [q("meldpunt_wvggz"), q("24u"), "True", q("zorgmijding met ernstig nadeel")],
         "Weigering met ernstig nadeel: meldpunt zorg en overlast / Wvggz, altijd casusoverleg"),
        (["", "True", "", "<= 2", "", ""],
         [q("opschalen"), q("24u"), "False", q("bekend bij FACT, geestelijke gezondheid <= 2")],
         "Bekend bij FACT en geestelijke gezondheid kwetsbaar: opschalen"),
        (["", "True", "", "", "<= 2", ""],
         [q("opschalen"), q("24u"), "False", q("bekend bij FACT, middelengebruik <= 2")],
         "Bekend bij FACT en middelengebruik kwetsbaar: opschalen"),
        (["", "", "1", "<= 2", "", ""],
         [q("opschalen"), q("24u"), "False", q("acuut domein en geestelijke gezondheid <= 2")],
         "Een domein acuut (1) en geestelijke gezondheid <= 2: specialistische zorg"),
        (["", "", "1", "", "<= 2", ""],
         [q("opschalen"), q("24u"), "False", q("acuut domein en middelengebruik <= 2")],
         "Een domein acuut (1) en middelengebruik <= 2: specialistische zorg"),
        (["", "", "", "<= 2", "", ""],
         [q("meekijkconsult"), q("regulier"), "False", q("geestelijke gezondheid <= 2")],
         "Geestelijke gezondheid kwetsbaar, geen acuut domein: meekijkconsult"),
        (["", "", "", "", "<= 2", ""],
         [q("meekijkconsult"), q("regulier"), "False", q("middelengebruik <= 2")],
         "Middelengebruik kwetsbaar, geen acuut domein: meekijkconsult"),
        (["", "", "1", "", "", ">= 3"],
         [q("wijkteam"), q("24u"), "True", q("acuut sociaal domein, 3+ 4D-domeinen")],
         "Acuut probleem in een ander domein en breed: wijkteam met casusoverleg"),
        (["", "", "1", "", "", ""],
         [q("wijkteam"), q("24u"), "False", q("acuut probleem in een ander domein")],
         "Acuut probleem in een ander domein: wijkteam, snel"),
        (["", "", "", "", "", ">= 3"],
         [q("wijkteam"), q("regulier"), "True", q("knelpunten in 3+ 4D-domeinen")],
         "Complex (3 of meer 4D-domeinen): wijkteam met casusoverleg"),
        (["", "", "2", "", "", ""],
         [q("wijkteam"), q("regulier"), "False", q("niet zelfredzaam in een domein")],
         "Laagste score 2: wijkteamplan"),
        (["", "", ">= 3", "", "", ""],
         [q("nulde_lijn"), q("regulier"), "False", q("voldoende zelfredzaam")],
         "Overal 3 of hoger: nulde lijn met vervolg na 4 weken"),
        (["", "", "", "", "", ""],
         [q("wijkteam"), q("regulier"), "False", q("vangnet")],
         "Vangnet (zou niet moeten voorkomen)"),
    ]
    return table("triage_urgentie_route", "Triage: urgentie en route", "FIRST", inputs, outputs,
                 rules, "Route en urgentie na de vraagverkenning. Eerste passende regel telt. "
                 "Het casusoverleg kan de route aanpassen.")


def afschalen():
    inputs = [
        ("in_wil", "Bewoner wil afschalen", "bewoner_wil_afschalen"),
        ("in_aanleiding", "Laagste ZRM-score in de aanleidingsdomeinen", "laagste_aanleiding"),
        ("in_crisisvrij", "Weken zonder crisissignaal", "weken_zonder_crisis"),
        ("in_netwerk", "Netwerk op orde", "netwerk_op_orde"),
        ("in_ontvanger", "Ontvangende partij", "ontvangende_partij"),
    ]
    outputs = [("out_gereed", "Gereed", "gereed"), ("out_advies", "Advies", "advies")]
    q = '"{}"'.format
    rules = [
        (["False", "", "", "", ""], ["False", q("bewoner wil (nog) niet afschalen")],
         "De bewoner beslist mee: zonder instemming geen afschaling"),
        (["", "< 3", "", "", ""], ["False", q("aanleidingsdomeinen nog niet op 3 of hoger")],
         "De domeinen die tot opschalen leidden zijn nog niet voldoende"),
        (["", "", "< 8", "", ""], ["False", q("minder dan 8 weken zonder crisissignaal")],
         "Te kort stabiel (N = 8 weken, ontwerpkeuze)"),
        (["", "", "", "False", ""], ["False", q("netwerk nog niet op orde")],
         "Steunkring of netwerk nog niet ingericht"),
        (["", "", "", "", '"geen"'], ["False", q("nog geen ontvangende partij")],
         "Er is niemand om warm aan over te dragen"),
        (["True", ">= 3", ">= 8", "True", '!= "geen"'],
         ["True", q("klaar om af te schalen")], "Alle criteria gehaald"),
        (["", "", "", "", ""], ["False", q("onvoldoende gegevens")], "Vangnet"),
    ]
    return table("afschalen_gereedheid", "Afschalen: gereedheid", "FIRST", inputs, outputs,
                 rules, "Is de bewoner klaar om af te schalen naar wijkteam, POH-GGZ of nulde "
                 "lijn? Eerste passende regel telt.")


if __name__ == "__main__":
    (ROOT / "processes" / "triage-urgentie-route.dmn").write_text(triage(), encoding="utf-8")
    (ROOT / "processes" / "afschalen-gereedheid.dmn").write_text(afschalen(), encoding="utf-8")
