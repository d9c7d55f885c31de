//===--- TUContext.cpp - Per-TU analysis state shared by all checks -------===//
//
// Part of serverless-tidy.
//
//===----------------------------------------------------------------------===//

#include "Analysis/TUContext.h"
#include "AST/StmtWalk.h"
#include "llvm/Support/FileSystem.h"
#include <map>
#include <mutex>

namespace serverless {

llvm::Expected<std::shared_ptr<const model::ApiModel>>
ModelCache::get(llvm::ArrayRef<std::string> UserFiles) {
  struct Entry {
    std::vector<llvm::sys::TimePoint<>> Stamps;
    std::shared_ptr<const model::ApiModel> Model;
  };
  static std::mutex Mutex;
  static std::map<std::vector<std::string>, Entry> Cache;

  std::vector<std::string> Key(UserFiles.begin(), UserFiles.end());
  std::vector<llvm::sys::TimePoint<>> Stamps;
  for (const std::string &F : Key) {
    llvm::sys::fs::file_status St;
    if (llvm::sys::fs::status(F, St))
      Stamps.push_back({});
    else
      Stamps.push_back(St.getLastModificationTime());
  }
  std::lock_guard<std::mutex> Lock(Mutex);
  auto It = Cache.find(Key);
  if (It != Cache.end() && It->second.Stamps == Stamps)
    return It->second.Model;

  auto M = std::make_shared<model::ApiModel>(model::ApiModel::withDefaults());
  for (const std::string &F : Key)
    if (llvm::Error E = M->addFile(F))
      return std::move(E);
  Cache[Key] = {Stamps, M};
  return M;
}

namespace {
struct Slot {
  clang::ASTContext *Ctx = nullptr;
  std::string Key;
  std::unique_ptr<TUContext> Context;
};
thread_local std::vector<Slot> Slots;
} // namespace

TUContext::TUContext(clang::ASTContext &Ctx,
                     std::shared_ptr<const model::ApiModel> Model,
                     std::vector<model::NamePattern> HandlerFunctions)
    : Ctx(Ctx), Model(std::move(Model)),
      HandlerFunctions(std::move(HandlerFunctions)), Binding(*this->Model, Names) {}

TUContext &TUContext::get(clang::ASTContext &Ctx,
                          std::shared_ptr<const model::ApiModel> Model,
                          const std::vector<model::NamePattern> &HandlerFunctions,
                          llvm::StringRef OptionsKey) {
  for (Slot &S : Slots)
    if (S.Ctx == &Ctx && S.Key == OptionsKey)
      return *S.Context;
  // Different TU: drop the old contexts first.
  if (!Slots.empty() && Slots.front().Ctx != &Ctx)
    Slots.clear();
  Slots.push_back({&Ctx, OptionsKey.str(),
                   std::make_unique<TUContext>(Ctx, std::move(Model),
                                               HandlerFunctions)});
  return *Slots.back().Context;
}

void TUContext::invalidate() { Slots.clear(); }

HandlerScope &TUContext::handlerScope() {
  if (!Scope)
    Scope = std::make_unique<HandlerScope>(Ctx, *Model, Names, HandlerFunctions);
  return *Scope;
}

unsigned TUContext::statementCount(const clang::FunctionDecl *FD) {
  auto [It, New] = StatementCounts.try_emplace(FD, 0);
  if (!New)
    return It->second;
  unsigned N = 0;
  if (const clang::Stmt *Body = FD->getBody())
    walkStmts(Body, [&](const clang::Stmt *S) {
      if (const auto *CS = llvm::dyn_cast<clang::CompoundStmt>(S))
        N += CS->size();
      return !Budget || N <= Budget;
    });
  StatementCounts[FD] = N;
  return N;
}

} // namespace serverless
