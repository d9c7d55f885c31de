//===--- Html.cpp - `verify --html`: one self-contained page --------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// Charts are small SVGs generated here rather than a charting library
// inlined into the page: three line charts of a few hundred points need no
// layout engine, the page stays a few kilobytes, works without JavaScript
// (mail clients, CI artifact viewers), and needs no package at build time.
//
//===----------------------------------------------------------------------===//
#include "Verify/Verify.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

namespace serverless::verify {
namespace {

std::string esc(const std::string &S) {
  std::string O;
  for (char C : S)
    switch (C) {
    case '&': O += "&amp;"; break;
    case '<': O += "&lt;"; break;
    case '>': O += "&gt;"; break;
    case '"': O += "&quot;"; break;
    default: O += C;
    }
  return O;
}

std::string num(double V) {
  char B[32];
  snprintf(B, sizeof B, std::fabs(V - std::round(V)) < 1e-9 ? "%.0f" : "%.1f", V);
  return B;
}

/// A line chart of one series over invocations 1..N. Points with a negative
/// value (unknown) are left out.
std::string chart(const std::string &Id, const std::string &Title, const std::string &Unit,
                  const std::vector<std::pair<uint64_t, double>> &Points) {
  const int W = 420, H = 180, L = 48, Rm = 12, T = 28, B = 32;
  std::ostringstream S;
  double MaxY = 1, MaxX = 1;
  for (auto &[X, Y] : Points) {
    MaxY = std::max(MaxY, Y);
    MaxX = std::max(MaxX, double(X));
  }
  MaxY = std::ceil(MaxY * 1.1);
  auto PX = [&](double X) { return L + (MaxX <= 1 ? 0.5 : (X - 1) / (MaxX - 1)) * (W - L - Rm); };
  auto PY = [&](double Y) { return H - B - Y / MaxY * (H - T - B); };
  S << "<svg class=\"chart\" id=\"" << esc(Id) << "\" data-points=\"" << Points.size() << "\" width=\"" << W
    << "\" height=\"" << H << "\" viewBox=\"0 0 " << W << " " << H << "\" role=\"img\" aria-label=\"" << esc(Title)
    << "\" xmlns=\"http://www.w3.org/2000/svg\">";
  S << "<text x=\"" << L << "\" y=\"16\" class=\"title\">" << esc(Title) << "</text>";
  S << "<line class=\"axis\" x1=\"" << L << "\" y1=\"" << H - B << "\" x2=\"" << W - Rm << "\" y2=\"" << H - B
    << "\"/><line class=\"axis\" x1=\"" << L << "\" y1=\"" << T << "\" x2=\"" << L << "\" y2=\"" << H - B << "\"/>";
  for (double Y : {0.0, MaxY / 2, MaxY})
    S << "<text class=\"tick\" x=\"" << L - 6 << "\" y=\"" << PY(Y) + 4 << "\" text-anchor=\"end\">" << num(Y)
      << "</text>";
  S << "<text class=\"tick\" x=\"" << L << "\" y=\"" << H - 10 << "\">1</text><text class=\"tick\" x=\""
    << W - Rm << "\" y=\"" << H - 10 << "\" text-anchor=\"end\">invocation " << num(MaxX) << "</text>";
  S << "<text class=\"tick\" x=\"" << W - Rm << "\" y=\"16\" text-anchor=\"end\">" << esc(Unit) << "</text>";
  if (!Points.empty()) {
    S << "<polyline class=\"series\" points=\"";
    for (auto &[X, Y] : Points)
      S << num(PX(double(X))) << "," << num(PY(Y)) << " ";
    S << "\"/>";
    for (auto &[X, Y] : Points)
      S << "<circle class=\"point\" cx=\"" << num(PX(double(X))) << "\" cy=\"" << num(PY(Y)) << "\" r=\"2.5\"><title>"
        << "invocation " << X << ": " << num(Y) << " " << esc(Unit) << "</title></circle>";
  } else {
    S << "<text class=\"tick\" x=\"" << W / 2 << "\" y=\"" << H / 2 << "\" text-anchor=\"middle\">no data</text>";
  }
  S << "</svg>";
  return S.str();
}

const char *Style = R"(body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table.summary{border-collapse:collapse}table.summary td,table.summary th{border:1px solid #ccc;padding:3px 8px;text-align:right}
table.summary td:first-child,table.summary th:first-child{text-align:left}
.finding{border:1px solid #ddd;border-radius:6px;padding:10px 14px;margin:12px 0}
.verdict{font-weight:600;padding:1px 6px;border-radius:4px}
.confirmed{background:#fdd;color:#900}.not-reproduced{background:#eee;color:#444}.not-exercised{background:#eef;color:#336}
.runtime-only{background:#ffd;color:#663}
pre.code{background:#f7f7f7;padding:6px;overflow:auto}pre.code .hit{background:#ffe08a;display:inline-block;width:100%}
pre.evidence{font-size:12px;background:#fafafa;padding:6px;overflow:auto;max-height:240px}
.charts{display:flex;flex-wrap:wrap;gap:12px}
svg.chart .axis{stroke:#888}svg.chart .series{fill:none;stroke:#c33;stroke-width:2}svg.chart .point{fill:#c33}
svg.chart .title{font-weight:600;font-size:13px}svg.chart .tick{font-size:11px;fill:#555})";

} // namespace

std::string renderHtml(const VerifyResult &R, const std::vector<RuntimeFacts> &Runs, const SnippetFn &Snippet) {
  std::ostringstream S;
  S << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>serverless-tidy verify</title><style>"
    << Style << "</style></head><body>\n<h1>serverless-tidy verify</h1>\n";
  for (const std::string &Sc : R.Scenarios)
    S << "<p class=\"scenario\">" << esc(Sc) << "</p>\n";
  // The summary table, as the terminal prints it.
  std::string Text = renderText(R);
  size_t TableAt = Text.find("check ");
  S << "<table class=\"summary\">";
  if (TableAt != std::string::npos) {
    std::istringstream In(Text.substr(TableAt));
    std::string Line;
    bool Head = true;
    while (std::getline(In, Line)) {
      if (Line.empty())
        continue;
      S << "<tr>";
      if (Head) {
        for (const char *H : {"check", "findings", "confirmed", "not reproduced", "not exercised", "runtime only"})
          S << "<th>" << H << "</th>";
        Head = false;
      } else {
        std::istringstream Cells(Line);
        std::string C;
        while (Cells >> C)
          S << "<td>" << esc(C) << "</td>";
      }
      S << "</tr>";
    }
  }
  S << "</table>\n";

  if (!Runs.empty()) {
    const RuntimeFacts &Main = Runs[0];
    std::vector<std::pair<uint64_t, double>> Fds, Conns, Rss;
    std::map<uint64_t, double> ConnCount;
    for (const InvocationInfo &I : Main.Invocations)
      ConnCount[I.Index] = 0;
    for (const RuntimeEvent &E : Main.Events)
      if (E.T == RuntimeEvent::Connect && E.Invocation && ConnCount.count(E.Invocation))
        ++ConnCount[E.Invocation];
    for (const InvocationInfo &I : Main.Invocations) {
      if (I.FdsOpenAfter >= 0)
        Fds.push_back({I.Index, double(I.FdsOpenAfter)});
      Conns.push_back({I.Index, ConnCount[I.Index]});
      if (I.MaxRssMb >= 0)
        Rss.push_back({I.Index, I.MaxRssMb});
    }
    S << "<h2>Per invocation (" << esc(Main.Scenario) << " run)</h2>\n<div class=\"charts\">"
      << chart("chart-fds", "descriptors open after the invocation", "fds", Fds)
      << chart("chart-connections", "new connections in the invocation", "connections", Conns)
      << chart("chart-rss", "max RSS", "MB", Rss) << "</div>\n";
  }

  S << "<h2>Findings</h2>\n";
  if (R.Findings.empty())
    S << "<p>No finding.</p>\n";
  for (const VerifiedFinding &V : R.Findings) {
    std::string P = V.F.Path.empty() ? V.F.Where.Path : V.F.Path;
    S << "<div class=\"finding\" data-check=\"" << esc(V.F.Check) << "\" data-verdict=\"" << verdictName(V.V)
      << "\"><div><span class=\"verdict " << verdictName(V.V) << "\">" << verdictName(V.V) << "</span> <b>"
      << esc(V.F.Check) << "</b> " << esc(P) << ":" << V.F.Where.Line << ":" << V.F.Where.Column << "</div>"
      << "<p>" << esc(V.F.Message) << "</p><p><i>" << esc(V.Summary) << "</i></p>";
    if (Snippet) {
      auto [First, Lines] = Snippet(V.F.Where.Path, V.F.Where.Line);
      if (!Lines.empty()) {
        S << "<pre class=\"code\">";
        for (size_t I = 0; I < Lines.size(); ++I) {
          unsigned N = First + unsigned(I);
          char B[16];
          snprintf(B, sizeof B, "%5u  ", N);
          S << (N == V.F.Where.Line ? "<span class=\"hit\">" : "") << B << esc(Lines[I])
            << (N == V.F.Where.Line ? "</span>" : "") << "\n";
        }
        S << "</pre>";
      }
    }
    S << "<pre class=\"evidence\">" << esc(V.Evidence.dump(2)) << "</pre></div>\n";
  }
  if (!R.RuntimeOnlyEntries.empty()) {
    S << "<h2>Runtime only</h2>\n";
    for (const RuntimeOnly &O : R.RuntimeOnlyEntries)
      S << "<div class=\"finding\" data-verdict=\"runtime-only\"><span class=\"verdict runtime-only\">runtime only</span> <b>"
        << esc(O.Kind) << "</b> " << esc(O.Where.Path) << ":" << O.Where.Line << "<p><i>" << esc(O.Summary)
        << "</i></p><pre class=\"evidence\">" << esc(O.Evidence.dump(2)) << "</pre></div>\n";
  }
  S << "</body></html>\n";
  return S.str();
}

} // namespace serverless::verify
