//===--- Sarif.cpp - One SARIF 2.1.0 run for the whole program -------------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//
//
// The run: tool.driver with the rules of the four checks (and of any other
// check that reported), artifact locations relative to the source root
// (uriBaseId SRCROOT, originalUriBaseIds giving its absolute URI), columns
// and character offsets in Unicode code points (run.columnKind), notes as
// relatedLocations, the handler call chain as a codeFlow, fix-its as fixes,
// fingerprints as partialFingerprints["serverlessTidy/v1"].
//
//===----------------------------------------------------------------------===//
#include "Report/Report.h"

#include <nlohmann/json.hpp>

#include <cstdlib>

namespace serverless::report {

using json = nlohmann::ordered_json;

namespace {

const char *const SchemaUri =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const char *const RootId = "SRCROOT";
const char *const FingerprintKey = "serverlessTidy/v1";

std::string dirUri(std::string Dir) {
  while (Dir.size() > 1 && Dir.back() == '/')
    Dir.pop_back();
  std::string U = fileUri(Dir);
  if (U.back() != '/')
    U += '/';
  return U;
}

class Writer {
public:
  Writer(const RunInfo &Run, SourceFiles &Src) : Run(Run), Src(Src) {}

  json artifact(const std::string &Path) {
    if (std::optional<std::string> Rel = relativeTo(Path, Run.SourceRoot))
      return {{"uri", relativeUri(*Rel)}, {"uriBaseId", RootId}};
    return {{"uri", fileUri(Path)}};
  }

  json physical(const summary::Location &L, bool Snippet) {
    json P = json::object();
    P["artifactLocation"] = artifact(L.Path);
    if (L.Line) {
      json R = json::object();
      R["startLine"] = L.Line;
      if (L.Column)
        R["startColumn"] = Src.codePointColumn(L.Path, L.Line, L.Column);
      if (Snippet)
        if (std::optional<std::string> Text = Src.line(L.Path, L.Line))
          R["snippet"] = {{"text", *Text}};
      P["region"] = std::move(R);
    }
    return P;
  }

  /// A location object, or null when the diagnostic has no file.
  json location(const summary::Location &L, const std::string *Message, bool Snippet) {
    if (L.Path.empty())
      return nullptr;
    json O = json::object();
    O["physicalLocation"] = physical(L, Snippet);
    if (Message)
      O["message"] = {{"text", *Message}};
    return O;
  }

  /// One fix (\p Reps applied together), one artifactChange per file;
  /// \p Description overrides the generated one (a note's fix says why it
  /// is not applied automatically).
  json fix(const std::vector<summary::Replacement> &Reps, const std::string &Description = "") {
    std::vector<std::string> Order;
    std::map<std::string, json> ByFile;
    for (const summary::Replacement &R : Reps) {
      if (!ByFile.count(R.Path)) {
        Order.push_back(R.Path);
        ByFile[R.Path] = json::array();
      }
      unsigned Begin = Src.codePointOffset(R.Path, R.Offset);
      unsigned End = Src.codePointOffset(R.Path, R.Offset + R.Length);
      json Rep = json::object();
      Rep["deletedRegion"] = {{"charOffset", Begin}, {"charLength", End - Begin}};
      if (!R.Text.empty())
        Rep["insertedContent"] = {{"text", R.Text}};
      ByFile[R.Path].push_back(std::move(Rep));
    }
    json Changes = json::array();
    for (const std::string &P : Order)
      Changes.push_back({{"artifactLocation", artifact(P)}, {"replacements", std::move(ByFile[P])}});
    std::string What = Description;
    if (What.empty() && Reps.size() == 1) {
      const summary::Replacement &R = Reps.front();
      What = R.Length == 0 ? "Insert '" + R.Text + "'."
             : R.Text.empty() ? "Delete " + std::to_string(R.Length) + " characters."
                              : "Replace with '" + R.Text + "'.";
    } else if (What.empty()) {
      What = "Apply " + std::to_string(Reps.size()) + " replacements.";
    }
    json Fix = json::object();
    Fix["description"] = {{"text", What}};
    Fix["artifactChanges"] = std::move(Changes);
    return Fix;
  }

  /// The diagnostic's own fix first, then each note's (described by the
  /// note).
  json fixes(const summary::Diagnostic &D) {
    json All = json::array();
    if (!D.Fixes.empty())
      All.push_back(fix(D.Fixes));
    for (const summary::Note &N : D.Notes)
      if (!N.Fixes.empty())
        All.push_back(fix(N.Fixes, N.Message));
    return All;
  }

  /// The handler chain: handler definition, each call, the finding.
  json codeFlow(const Finding &F) {
    const summary::Diagnostic &D = F.D;
    size_t Chain = chainStart(D.Notes);
    if (Chain >= D.Notes.size() || D.Loc.Path.empty())
      return nullptr;
    json Locs = json::array();
    unsigned Depth = 0;
    for (size_t I = Chain; I < D.Notes.size(); ++I) {
      const summary::Note &N = D.Notes[I];
      NoteKind K = classifyNote(N.Message);
      if (K == NoteKind::Plain || N.Loc.Path.empty())
        continue;
      json TL = json::object();
      TL["location"] = location(N.Loc, &N.Message, false);
      TL["nestingLevel"] = Depth;
      Locs.push_back(std::move(TL));
      if (K == NoteKind::Call)
        ++Depth;
      else if (K == NoteKind::Elided)
        Depth += static_cast<unsigned>(std::strtoul(N.Message.c_str() + 1, nullptr, 10));
    }
    json Last = json::object();
    Last["location"] = location(D.Loc, &D.Message, false);
    Last["nestingLevel"] = Depth;
    Locs.push_back(std::move(Last));
    json Flow = json::object();
    Flow["message"] = {{"text", "How handler '" + F.Handler + "' reaches this code."}};
    Flow["threadFlows"] = json::array({json{{"locations", std::move(Locs)}}});
    return json::array({std::move(Flow)});
  }

private:
  const RunInfo &Run;
  SourceFiles &Src;
};

const char *sarifLevel(const std::string &Level) {
  if (Level == "error")
    return "error";
  if (Level == "warning")
    return "warning";
  return "note"; // remark
}

} // namespace

std::string renderSarif(const std::vector<Finding> &Findings, const RunInfo &Run, SourceFiles &Src) {
  Writer W(Run, Src);

  std::vector<RuleInfo> Rules = serverlessRules(Run.DocsDir);
  std::map<std::string, size_t> RuleIndex;
  for (size_t I = 0; I < Rules.size(); ++I)
    RuleIndex[Rules[I].Id] = I;
  for (const Finding &F : Findings)
    if (!RuleIndex.count(F.D.Check)) {
      RuleIndex[F.D.Check] = Rules.size();
      Rules.push_back(otherRule(F.D.Check));
    }

  json RulesJ = json::array();
  for (const RuleInfo &R : Rules) {
    json O = json::object();
    O["id"] = R.Id;
    O["name"] = R.Name;
    O["shortDescription"] = {{"text", R.ShortDescription}};
    O["fullDescription"] = {{"text", R.FullDescription}};
    O["help"] = {{"text", R.Help}};
    O["helpUri"] = R.HelpUri;
    O["defaultConfiguration"] = {{"level", R.DefaultLevel}};
    if (R.Ours)
      O["properties"] = {{"tags", {"serverless", "reliability"}}, {"precision", "high"}};
    RulesJ.push_back(std::move(O));
  }

  json Results = json::array();
  for (const Finding &F : Findings) {
    const summary::Diagnostic &D = F.D;
    json R = json::object();
    R["ruleId"] = D.Check;
    R["ruleIndex"] = RuleIndex[D.Check];
    R["level"] = sarifLevel(F.Level);
    R["message"] = {{"text", D.Message}};
    json Loc = W.location(D.Loc, nullptr, true);
    if (!Loc.is_null()) {
      if (!F.Function.empty())
        Loc["logicalLocations"] = json::array({json{{"fullyQualifiedName", F.Function}, {"kind", "function"}}});
      R["locations"] = json::array({std::move(Loc)});
    }
    json Related = json::array();
    for (size_t I = 0; I < D.Notes.size(); ++I) {
      json N = W.location(D.Notes[I].Loc, &D.Notes[I].Message, false);
      if (N.is_null())
        continue;
      N["id"] = I + 1;
      Related.push_back(std::move(N));
    }
    if (!Related.empty())
      R["relatedLocations"] = std::move(Related);
    json Flow = W.codeFlow(F);
    if (!Flow.is_null())
      R["codeFlows"] = std::move(Flow);
    if (json Fixes = W.fixes(D); !Fixes.empty())
      R["fixes"] = std::move(Fixes);
    R["partialFingerprints"] = {{FingerprintKey, F.Fingerprint}};
    if (D.WarningAsError)
      R["properties"] = {{"warningAsError", true}};
    Results.push_back(std::move(R));
  }

  json Driver = json::object();
  Driver["name"] = "serverless-tidy";
  Driver["version"] = toolVersion();
  Driver["semanticVersion"] = toolVersion();
  Driver["informationUri"] = dirUri(Run.DocsDir);
  Driver["rules"] = std::move(RulesJ);

  json RunJ = json::object();
  RunJ["tool"] = {{"driver", std::move(Driver)}};
  RunJ["originalUriBaseIds"] = {
      {RootId, {{"uri", dirUri(Run.SourceRoot)}, {"description", {{"text", "The source root."}}}}}};
  RunJ["columnKind"] = "unicodeCodePoints";
  RunJ["results"] = std::move(Results);
  json Props = {{"translationUnits", Run.TranslationUnits}};
  if (Run.BaselinePath)
    Props["baseline"] = {{"path", *Run.BaselinePath}, {"suppressed", Run.Suppressed}, {"stale", Run.Stale}};
  RunJ["properties"] = std::move(Props);

  json Log = json::object();
  Log["$schema"] = SchemaUri;
  Log["version"] = "2.1.0";
  Log["runs"] = json::array({std::move(RunJ)});
  return Log.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

} // namespace serverless::report
