//===- Template.cpp - Function configuration from the deployment ---------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Runtime/Template.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/YAMLParser.h"

#include <fstream>
#include <sstream>

namespace serverless::runtime {

namespace {

namespace yaml = llvm::yaml;

/// A YAML value converted in one pass (llvm::yaml::Stream is forward-only).
struct Value {
  enum Kind { None, Scalar, Map, Seq } K = None;
  std::string Text, Tag;
  std::vector<std::pair<std::string, Value>> Entries;
  std::vector<Value> Items;
  const Value *get(llvm::StringRef Key) const {
    for (const auto &[Name, V] : Entries)
      if (Name == Key)
        return &V;
    return nullptr;
  }
  /// A plain scalar: no tag other than the default.
  bool plain() const { return K == Scalar && (Tag.empty() || Tag == "!" || Tag == "!!str" || Tag == "!!int"); }
};

Value convert(yaml::Node *N, unsigned Depth = 0) {
  Value Out;
  if (!N)
    return Out;
  if (Depth > 64) {
    N->skip();
    return Out;
  }
  Out.Tag = N->getRawTag().str();
  if (auto *S = llvm::dyn_cast<yaml::ScalarNode>(N)) {
    llvm::SmallString<32> Storage;
    Out.K = Value::Scalar;
    Out.Text = S->getValue(Storage).str();
  } else if (auto *B = llvm::dyn_cast<yaml::BlockScalarNode>(N)) {
    Out.K = Value::Scalar;
    Out.Text = B->getValue().str();
  } else if (auto *M = llvm::dyn_cast<yaml::MappingNode>(N)) {
    Out.K = Value::Map;
    for (yaml::KeyValueNode &KV : *M) {
      Value Key = convert(KV.getKey(), Depth + 1);
      Out.Entries.emplace_back(Key.Text, convert(KV.getValue(), Depth + 1));
    }
  } else if (auto *Q = llvm::dyn_cast<yaml::SequenceNode>(N)) {
    Out.K = Value::Seq;
    for (yaml::Node &E : *Q)
      Out.Items.push_back(convert(&E, Depth + 1));
  } else {
    N->skip();
  }
  return Out;
}

std::optional<int64_t> integer(const Value *V, const std::string &What, TemplateFunction &F) {
  if (!V)
    return std::nullopt;
  int64_t I;
  if (!V->plain() || llvm::StringRef(V->Text).trim().getAsInteger(10, I) || I <= 0) {
    F.Notes.push_back(What + " is not a plain number (" + (V->Tag.empty() ? V->Text : V->Tag) +
                      "): skipped");
    return std::nullopt;
  }
  return I;
}

/// Environment.Variables (SAM) / environment (serverless) into K=V, later
/// entries replacing earlier ones.
void addVariables(const Value *Vars, TemplateFunction &F) {
  if (!Vars || Vars->K != Value::Map)
    return;
  for (const auto &[K, V] : Vars->Entries) {
    if (V.plain() && V.Text.find("${") != std::string::npos) {
      F.Notes.push_back("variable " + K + " is " + V.Text + ", resolved at deploy time: not set");
      continue;
    }
    if (!V.plain()) {
      F.Notes.push_back("variable " + K + " is not a plain value (" +
                        (V.Tag.empty() ? std::string("a map or list") : V.Tag) + "): not set");
      continue;
    }
    std::string Prefix = K + "=";
    for (auto It = F.Env.begin(); It != F.Env.end();)
      It = It->rfind(Prefix, 0) == 0 ? F.Env.erase(It) : It + 1;
    F.Env.push_back(Prefix + V.Text);
  }
}

/// The name of a layer ARN (arn:aws:lambda:region:account:layer:NAME:VERSION).
std::string layerName(const std::string &Arn) {
  llvm::SmallVector<llvm::StringRef, 8> Parts;
  llvm::StringRef(Arn).split(Parts, ':');
  if (Parts.size() >= 7 && Parts[5] == "layer")
    return Parts[6].str();
  return Arn;
}

void addLayers(const Value *Layers, TemplateFunction &F) {
  if (!Layers || Layers->K != Value::Seq)
    return;
  for (const Value &L : Layers->Items) {
    if (!L.plain()) {
      F.Notes.push_back("a layer given as " + (L.Tag.empty() ? std::string("a map") : L.Tag) +
                        ": not resolved");
      continue;
    }
    F.Layers.push_back(L.Text);
    std::string Name = layerName(L.Text);
    if (llvm::StringRef(Name).contains_insensitive("extension")) {
      bool Seen = false;
      for (const auto &E : F.Extensions)
        Seen |= E == Name;
      if (!Seen)
        F.Extensions.push_back(Name);
    } else {
      F.Notes.push_back("layer " + Name +
                        " is not taken as an extension (no 'Extension' in its name); "
                        "give --extension NAME if it holds one");
    }
  }
}

void applySam(const Value *P, TemplateFunction &F) {
  if (!P)
    return;
  if (auto T = integer(P->get("Timeout"), "Timeout", F))
    F.TimeoutMs = *T * 1000;
  if (auto M = integer(P->get("MemorySize"), "MemorySize", F))
    F.MemoryMb = *M;
  if (const Value *E = P->get("Environment"))
    addVariables(E->get("Variables"), F);
  addLayers(P->get("Layers"), F);
  if (const Value *H = P->get("Handler"); H && H->plain())
    F.Handler = H->Text;
  if (const Value *N = P->get("FunctionName"); N && N->plain())
    F.FunctionName = N->Text;
  if (const Value *C = P->get("CapacityProviderConfig"))
    if (const Value *L = C->get("LambdaManagedInstancesCapacityProviderConfig")) {
      const Value *M = L->get("PerExecutionEnvironmentMaxConcurrency");
      if (auto N = integer(M, "PerExecutionEnvironmentMaxConcurrency", F))
        F.MaxConcurrency = *N;
      else if (!M) {
        F.MaxConcurrency = 4;
        F.Notes.push_back("Managed Instances without PerExecutionEnvironmentMaxConcurrency: 4 "
                          "(SAM CLI's default; the cloud's depends on the runtime and the vCPUs)");
      }
    }
}

void applyServerless(const Value *P, TemplateFunction &F, bool Provider) {
  if (!P)
    return;
  if (auto T = integer(P->get("timeout"), "timeout", F))
    F.TimeoutMs = *T * 1000;
  if (auto M = integer(P->get("memorySize"), "memorySize", F))
    F.MemoryMb = *M;
  addVariables(P->get("environment"), F);
  addLayers(P->get("layers"), F);
  if (Provider) // provider.name is the cloud ("aws"), not the function's
    return;
  if (const Value *H = P->get("handler"); H && H->plain())
    F.Handler = H->Text;
  if (const Value *N = P->get("name"); N && N->plain() && N->Text.find("${") == std::string::npos)
    F.FunctionName = N->Text;
}

} // namespace

bool readTemplate(const std::string &Path, const std::string &Function,
                  TemplateFunction &Out, std::string &Error) {
  std::ifstream In(Path, std::ios::binary);
  if (!In) {
    Error = "cannot read template '" + Path + "'";
    return false;
  }
  std::ostringstream SS;
  SS << In.rdbuf();
  std::string Text = SS.str();
  llvm::SourceMgr SM;
  std::string FirstError;
  SM.setDiagHandler(
      [](const llvm::SMDiagnostic &D, void *Ctx) {
        auto *E = static_cast<std::string *>(Ctx);
        if (E->empty())
          *E = std::to_string(D.getLineNo()) + ":" + std::to_string(D.getColumnNo() + 1) + ": " +
               D.getMessage().str();
      },
      &FirstError);
  yaml::Stream Stream(Text, SM);
  Value Root;
  for (yaml::Document &Doc : Stream) {
    Root = convert(Doc.getRoot());
    break;
  }
  if (Stream.failed() || Root.K != Value::Map) {
    Error = "template '" + Path + "' is not a YAML mapping" +
            (FirstError.empty() ? std::string() : " (" + FirstError + ")");
    return false;
  }
  bool Serverless = Root.get("functions") || Root.get("service") ||
                    (Root.get("provider") && !Root.get("Resources"));
  std::vector<std::pair<std::string, const Value *>> Functions;
  if (Serverless) {
    if (const Value *Fs = Root.get("functions"))
      for (const auto &[Name, V] : Fs->Entries)
        Functions.push_back({Name, &V});
  } else if (const Value *Rs = Root.get("Resources")) {
    for (const auto &[Name, V] : Rs->Entries) {
      const Value *Type = V.get("Type");
      if (Type && Type->plain() &&
          (Type->Text == "AWS::Serverless::Function" || Type->Text == "AWS::Lambda::Function"))
        Functions.push_back({Name, &V});
    }
  }
  std::string Names;
  for (const auto &[N, V] : Functions)
    Names += (Names.empty() ? "" : ", ") + N;
  const Value *Chosen = nullptr;
  if (Function.empty()) {
    if (Functions.size() != 1) {
      Error = "template '" + Path + "' has " + std::to_string(Functions.size()) +
              " functions" + (Names.empty() ? "" : " (" + Names + ")") + ": name one with --function";
      return false;
    }
    Out.Name = Functions[0].first;
    Chosen = Functions[0].second;
  } else {
    for (const auto &[N, V] : Functions)
      if (N == Function) {
        Out.Name = N;
        Chosen = V;
      }
    if (!Chosen) {
      Error = "template '" + Path + "' has no function '" + Function + "'" +
              (Names.empty() ? std::string(" (it has none)") : " (it has " + Names + ")");
      return false;
    }
  }
  if (Serverless) {
    Out.Kind = "serverless";
    Out.TimeoutMs = 6000; // the framework's defaults
    Out.MemoryMb = 1024;
    applyServerless(Root.get("provider"), Out, true);
    applyServerless(Chosen, Out, false);
    // The framework names a function <service>-<stage>-<key> (stage: dev).
    const Value *Service = Root.get("service");
    const Value *Provider = Root.get("provider");
    const Value *Stage = Provider ? Provider->get("stage") : nullptr;
    if (Out.FunctionName.empty() && Service && Service->plain() &&
        Service->Text.find("${") == std::string::npos &&
        (!Stage || (Stage->plain() && Stage->Text.find("${") == std::string::npos)))
      Out.FunctionName = Service->Text + "-" + (Stage ? Stage->Text : std::string("dev")) + "-" + Out.Name;
  } else {
    Out.Kind = "sam";
    Out.TimeoutMs = 3000; // Lambda's defaults
    Out.MemoryMb = 128;
    if (const Value *G = Root.get("Globals"))
      applySam(G->get("Function"), Out);
    applySam(Chosen->get("Properties"), Out);
  }
  return true;
}

} // namespace serverless::runtime
