//===--- FindingsJson.cpp - The serverless-tidy-findings/1 document --------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// Schema (docs/ci.md is the reference):
//
//   { "schema": "serverless-tidy-findings/1",
//     "tool": {"name", "version"}, "source_root", "translation_units",
//     "summary": {"errors", "warnings", "remarks"},
//     "baseline": {"path", "suppressed", "stale"}            (with --baseline)
//     "findings": [ { "check", "level", "warning_as_error", "message",
//                     "location": {"file", "path", "line", "column", "offset"},
//                     "function"?, "handler"?, "fingerprint", "help"?,
//                     "notes": [{"kind", "message", "location", "fixes"?}],
//                     "fixes": [{"file", "path", "offset", "length", "replacement"}] } ] }
//
//===----------------------------------------------------------------------===//
#include "Report/Report.h"

#include <nlohmann/json.hpp>

namespace serverless::report {

using json = nlohmann::ordered_json;

namespace {

json location(const summary::Location &L, const std::string &Root) {
  json J = json::object();
  J["file"] = L.Path;
  J["path"] = relativeTo(L.Path, Root).value_or(L.Path);
  J["line"] = L.Line;
  J["column"] = L.Column;
  J["offset"] = L.Offset;
  return J;
}

const char *kindName(NoteKind K) {
  switch (K) {
  case NoteKind::Plain: return "note";
  case NoteKind::Handler: return "handler";
  case NoteKind::Call: return "call";
  case NoteKind::Elided: return "calls-elided";
  }
  return "note";
}

} // namespace

std::string renderJson(const std::vector<Finding> &Findings, const RunInfo &Run) {
  std::map<std::string, std::string> Help;
  for (const RuleInfo &R : serverlessRules(Run.DocsDir))
    Help[R.Id] = R.HelpUri;

  json Doc = json::object();
  Doc["schema"] = "serverless-tidy-findings/1";
  Doc["tool"] = {{"name", "serverless-tidy"}, {"version", toolVersion()}};
  Doc["source_root"] = Run.SourceRoot;
  Doc["translation_units"] = Run.TranslationUnits;
  unsigned Errors = 0, Warnings = 0, Remarks = 0;
  for (const Finding &F : Findings)
    (F.Level == "error" ? Errors : F.Level == "warning" ? Warnings : Remarks) += 1;
  Doc["summary"] = {{"errors", Errors}, {"warnings", Warnings}, {"remarks", Remarks}};
  if (Run.BaselinePath)
    Doc["baseline"] = {{"path", *Run.BaselinePath}, {"suppressed", Run.Suppressed}, {"stale", Run.Stale}};
  json &Out = Doc["findings"] = json::array();
  for (const Finding &F : Findings) {
    const summary::Diagnostic &D = F.D;
    json O = json::object();
    O["check"] = D.Check;
    O["level"] = F.Level;
    O["warning_as_error"] = D.WarningAsError;
    O["message"] = D.Message;
    O["location"] = location(D.Loc, Run.SourceRoot);
    if (!F.Function.empty())
      O["function"] = F.Function;
    if (!F.Handler.empty())
      O["handler"] = F.Handler;
    O["fingerprint"] = F.Fingerprint;
    auto H = Help.find(D.Check);
    if (H != Help.end())
      O["help"] = H->second;
    json &Notes = O["notes"] = json::array();
    size_t Chain = chainStart(D.Notes);
    for (size_t I = 0; I < D.Notes.size(); ++I) {
      NoteKind K = I >= Chain ? classifyNote(D.Notes[I].Message) : NoteKind::Plain;
      json N = {{"kind", kindName(K)},
                {"message", D.Notes[I].Message},
                {"location", location(D.Notes[I].Loc, Run.SourceRoot)}};
      // A fix-it offered on the note: not applied by -fix (the note says why).
      if (!D.Notes[I].Fixes.empty()) {
        json &NF = N["fixes"] = json::array();
        for (const summary::Replacement &R : D.Notes[I].Fixes)
          NF.push_back({{"file", R.Path},
                        {"path", relativeTo(R.Path, Run.SourceRoot).value_or(R.Path)},
                        {"offset", R.Offset},
                        {"length", R.Length},
                        {"replacement", R.Text}});
      }
      Notes.push_back(std::move(N));
    }
    json &Fixes = O["fixes"] = json::array();
    for (const summary::Replacement &R : D.Fixes)
      Fixes.push_back({{"file", R.Path},
                       {"path", relativeTo(R.Path, Run.SourceRoot).value_or(R.Path)},
                       {"offset", R.Offset},
                       {"length", R.Length},
                       {"replacement", R.Text}});
    Out.push_back(std::move(O));
  }
  return Doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

} // namespace serverless::report
