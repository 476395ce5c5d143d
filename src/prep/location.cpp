// ct, st, zp, country: cpb location rules (capi-param-builder stringUtil.js, zipCodeUtil.js), with cpb's name tables
// reproduced exactly.
//
// st / country (cpb normalizeTwoLetterAbbreviations):
//   (a) lowercase, trim, keep only a-z;  (b) exactly 2 letters -> kept; else exact name lookup; else the first table
//   entry contained as a substring (table order matters: Canadian provinces first, then US states alphabetically;
//   countries in cpb's order); else the letters unchanged;  (c) empty -> dropped, else the first 2 characters.
// Unmapped input is NOT validated against ISO 3166 (`XYZ` -> `xy`, `UK` -> `uk`): that is what Meta hashes on its side,
// so sidetag reproduces it rather than "fixing" it.
#include "prep/fields.hpp"
#include "prep/text.hpp"

#include <string>
#include <unordered_map>

namespace sidetag::prep::detail {
namespace {

struct NameCode {
  std::string_view name;
  std::string_view code;
};

// cpb StringUtils: STATE_MAPPINGS = CA_PROVINCES (13) followed by US_STATES (50). No District of Columbia entry.
constexpr NameCode kStates[] = {
    {"ontario", "on"}, {"quebec", "qc"}, {"britishcolumbia", "bc"}, {"alberta", "ab"}, {"saskatchewan", "sk"},
    {"manitoba", "mb"}, {"novascotia", "ns"}, {"newbrunswick", "nb"}, {"princeedwardisland", "pe"},
    {"newfoundlandandlabrador", "nl"}, {"yukon", "yt"}, {"northwestterritories", "nt"}, {"nunavut", "nu"},
    {"alabama", "al"}, {"alaska", "ak"}, {"arizona", "az"}, {"arkansas", "ar"}, {"california", "ca"},
    {"colorado", "co"}, {"connecticut", "ct"}, {"delaware", "de"}, {"florida", "fl"}, {"georgia", "ga"},
    {"hawaii", "hi"}, {"idaho", "id"}, {"illinois", "il"}, {"indiana", "in"}, {"iowa", "ia"}, {"kansas", "ks"},
    {"kentucky", "ky"}, {"louisiana", "la"}, {"maine", "me"}, {"maryland", "md"}, {"massachusetts", "ma"},
    {"michigan", "mi"}, {"minnesota", "mn"}, {"mississippi", "ms"}, {"missouri", "mo"}, {"montana", "mt"},
    {"nebraska", "ne"}, {"nevada", "nv"}, {"newhampshire", "nh"}, {"newjersey", "nj"}, {"newmexico", "nm"},
    {"newyork", "ny"}, {"northcarolina", "nc"}, {"northdakota", "nd"}, {"ohio", "oh"}, {"oklahoma", "ok"},
    {"oregon", "or"}, {"pennsylvania", "pa"}, {"rhodeisland", "ri"}, {"southcarolina", "sc"}, {"southdakota", "sd"},
    {"tennessee", "tn"}, {"texas", "tx"}, {"utah", "ut"}, {"vermont", "vt"}, {"virginia", "va"}, {"washington", "wa"},
    {"westvirginia", "wv"}, {"wisconsin", "wi"}, {"wyoming", "wy"},
};

constexpr NameCode kCountries[] = {
    {"unitedstates", "us"}, {"usa", "us"}, {"ind", "in"}, {"afghanistan", "af"}, {"alandislands", "ax"},
    {"albania", "al"}, {"algeria", "dz"}, {"americansamoa", "as"}, {"andorra", "ad"}, {"angola", "ao"},
    {"anguilla", "ai"}, {"antarctica", "aq"}, {"antiguaandbarbuda", "ag"}, {"argentina", "ar"}, {"armenia", "am"},
    {"aruba", "aw"}, {"australia", "au"}, {"austria", "at"}, {"azerbaijan", "az"}, {"bahamas", "bs"},
    {"bahrain", "bh"}, {"bangladesh", "bd"}, {"barbados", "bb"}, {"belarus", "by"}, {"belgium", "be"},
    {"belize", "bz"}, {"benin", "bj"}, {"bermuda", "bm"}, {"bhutan", "bt"}, {"boliviaplurinationalstateof", "bo"},
    {"bolivia", "bo"}, {"bonairesinteustatinsandsaba", "bq"}, {"bosniaandherzegovina", "ba"}, {"botswana", "bw"},
    {"bouvetisland", "bv"}, {"brazil", "br"}, {"britishindianoceanterritory", "io"}, {"bruneidarussalam", "bn"},
    {"brunei", "bn"}, {"bulgaria", "bg"}, {"burkinafaso", "bf"}, {"burundi", "bi"}, {"cambodia", "kh"},
    {"cameroon", "cm"}, {"canada", "ca"}, {"capeverde", "cv"}, {"caymanislands", "ky"},
    {"centralafricanrepublic", "cf"}, {"chad", "td"}, {"chile", "cl"}, {"china", "cn"}, {"christmasisland", "cx"},
    {"cocoskeelingislands", "cc"}, {"colombia", "co"}, {"comoros", "km"}, {"congo", "cg"},
    {"congothedemocraticrepublicofthe", "cd"}, {"democraticrepublicofthecongo", "cd"}, {"cookislands", "ck"},
    {"costarica", "cr"}, {"cotedivoire", "ci"}, {"ivorycoast", "ci"}, {"croatia", "hr"}, {"cuba", "cu"},
    {"curacao", "cw"}, {"cyprus", "cy"}, {"czechrepublic", "cz"}, {"denmark", "dk"}, {"djibouti", "dj"},
    {"dominica", "dm"}, {"dominicanrepublic", "do"}, {"ecuador", "ec"}, {"egypt", "eg"}, {"elsalvador", "sv"},
    {"equatorialguinea", "gq"}, {"eritrea", "er"}, {"estonia", "ee"}, {"ethiopia", "et"},
    {"falklandislandsmalvinas", "fk"}, {"faroeislands", "fo"}, {"fiji", "fj"}, {"finland", "fi"}, {"france", "fr"},
    {"frenchguiana", "gf"}, {"frenchpolynesia", "pf"}, {"frenchsouthernterritories", "tf"}, {"gabon", "ga"},
    {"gambia", "gm"}, {"georgia", "ge"}, {"germany", "de"}, {"ghana", "gh"}, {"gibraltar", "gi"}, {"greece", "gr"},
    {"greenland", "gl"}, {"grenada", "gd"}, {"guadeloupe", "gp"}, {"guam", "gu"}, {"guatemala", "gt"},
    {"guernsey", "gg"}, {"guinea", "gn"}, {"guineabissau", "gw"}, {"guyana", "gy"}, {"haiti", "ht"},
    {"heardislandandmcdonaldislands", "hm"}, {"holyseevaticancitystate", "va"}, {"vatican", "va"}, {"honduras", "hn"},
    {"hongkong", "hk"}, {"hungary", "hu"}, {"iceland", "is"}, {"india", "in"}, {"indonesia", "id"},
    {"iranislamicrepublicof", "ir"}, {"iran", "ir"}, {"iraq", "iq"}, {"ireland", "ie"}, {"isleofman", "im"},
    {"israel", "il"}, {"italy", "it"}, {"jamaica", "jm"}, {"japan", "jp"}, {"jersey", "je"}, {"jordan", "jo"},
    {"kazakhstan", "kz"}, {"kenya", "ke"}, {"kiribati", "ki"}, {"koreademocraticpeoplesrepublicof", "kp"},
    {"northkorea", "kp"}, {"korearepublicof", "kr"}, {"southkorea", "kr"}, {"kuwait", "kw"}, {"kyrgyzstan", "kg"},
    {"laopeoplesdemocraticrepublic", "la"}, {"laos", "la"}, {"latvia", "lv"}, {"lebanon", "lb"}, {"lesotho", "ls"},
    {"liberia", "lr"}, {"libya", "ly"}, {"liechtenstein", "li"}, {"lithuania", "lt"}, {"luxembourg", "lu"},
    {"macao", "mo"}, {"macedoniatheformeryugoslavrepublicof", "mk"}, {"macedonia", "mk"}, {"madagascar", "mg"},
    {"malawi", "mw"}, {"malaysia", "my"}, {"maldives", "mv"}, {"mali", "ml"}, {"malta", "mt"},
    {"marshallislands", "mh"}, {"martinique", "mq"}, {"mauritania", "mr"}, {"mauritius", "mu"}, {"mayotte", "yt"},
    {"mexico", "mx"}, {"micronesiafederatedstatesof", "fm"}, {"micronesia", "fm"}, {"moldovarepublicof", "md"},
    {"moldova", "md"}, {"monaco", "mc"}, {"mongolia", "mn"}, {"montenegro", "me"}, {"montserrat", "ms"},
    {"morocco", "ma"}, {"mozambique", "mz"}, {"myanmar", "mm"}, {"namibia", "na"}, {"nauru", "nr"}, {"nepal", "np"},
    {"netherlands", "nl"}, {"newcaledonia", "nc"}, {"newzealand", "nz"}, {"nicaragua", "ni"}, {"niger", "ne"},
    {"nigeria", "ng"}, {"niue", "nu"}, {"norfolkisland", "nf"}, {"northernmarianaislands", "mp"}, {"norway", "no"},
    {"oman", "om"}, {"pakistan", "pk"}, {"palau", "pw"}, {"palestinestateof", "ps"}, {"palestine", "ps"},
    {"panama", "pa"}, {"papuanewguinea", "pg"}, {"paraguay", "py"}, {"peru", "pe"}, {"philippines", "ph"},
    {"pitcairn", "pn"}, {"poland", "pl"}, {"portugal", "pt"}, {"puertorico", "pr"}, {"qatar", "qa"},
    {"reunion", "re"}, {"romania", "ro"}, {"russianfederation", "ru"}, {"russia", "ru"}, {"rwanda", "rw"},
    {"saintbarthelemy", "bl"}, {"sainthelenaascensionandtristandacunha", "sh"}, {"saintkittsandnevis", "kn"},
    {"saintlucia", "lc"}, {"saintmartinfrenchpart", "mf"}, {"saintpierreandmiquelon", "pm"},
    {"saintvincentandthegrenadines", "vc"}, {"samoa", "ws"}, {"sanmarino", "sm"}, {"saotomeandprincipe", "st"},
    {"saudiarabia", "sa"}, {"senegal", "sn"}, {"serbia", "rs"}, {"seychelles", "sc"}, {"sierraleone", "sl"},
    {"singapore", "sg"}, {"sintmaartenductchpart", "sx"}, {"slovakia", "sk"}, {"slovenia", "si"},
    {"solomonislands", "sb"}, {"somalia", "so"}, {"southafrica", "za"},
    {"southgeorgiaandthesouthsandwichislands", "gs"}, {"southsudan", "ss"}, {"spain", "es"}, {"srilanka", "lk"},
    {"sudan", "sd"}, {"suriname", "sr"}, {"svalbardandjanmayen", "sj"}, {"eswatini", "sz"}, {"swaziland", "sz"},
    {"sweden", "se"}, {"switzerland", "ch"}, {"syrianarabrepublic", "sy"}, {"syria", "sy"},
    {"taiwanprovinceofchina", "tw"}, {"taiwan", "tw"}, {"tajikistan", "tj"}, {"tanzaniaunitedrepublicof", "tz"},
    {"tanzania", "tz"}, {"thailand", "th"}, {"timorleste", "tl"}, {"easttimor", "tl"}, {"togo", "tg"},
    {"tokelau", "tk"}, {"tonga", "to"}, {"trinidadandtobago", "tt"}, {"tunisia", "tn"}, {"turkey", "tr"},
    {"turkmenistan", "tm"}, {"turksandcaicosislands", "tc"}, {"tuvalu", "tv"}, {"uganda", "ug"}, {"ukraine", "ua"},
    {"unitedarabemirates", "ae"}, {"unitedkingdom", "gb"}, {"unitedstatesofamerica", "us"},
    {"unitedstatesminoroutlyingislands", "um"}, {"uruguay", "uy"}, {"uzbekistan", "uz"}, {"vanuatu", "vu"},
    {"venezuelabolivarianrepublicof", "ve"}, {"venezuela", "ve"}, {"vietnam", "vn"}, {"virginislandsbritish", "vg"},
    {"virginislandsus", "vi"}, {"wallisandfutuna", "wf"}, {"westernsahara", "eh"}, {"yemen", "ye"}, {"zambia", "zm"},
    {"zimbabwe", "zw"},
};

template <std::size_t N>
class NameTable {
 public:
  explicit NameTable(const NameCode (&rows)[N]) : rows_(rows) {
    for (const auto& r : rows) exact_.emplace(r.name, r.code);
  }
  std::string_view map(std::string_view letters) const {
    if (auto it = exact_.find(letters); it != exact_.end()) return it->second;
    for (const auto& r : rows_) {
      if (letters.find(r.name) != std::string_view::npos) return r.code;
    }
    return letters;
  }

 private:
  const NameCode (&rows_)[N];
  std::unordered_map<std::string_view, std::string_view> exact_;
};

const auto& state_table() {
  static const NameTable table(kStates);
  return table;
}
const auto& country_table() {
  static const NameTable table(kCountries);
  return table;
}

// Step (a): lowercase (full Unicode, as JS: e.g. U+212A KELVIN SIGN -> 'k'), trim, keep only a-z.
std::string ascii_letters_of(std::string_view in) {
  std::string lower = to_lower(in);
  std::string out;
  out.reserve(lower.size());
  for (char c : lower) {
    if (is_ascii_lower(c)) out.push_back(c);
  }
  return out;
}

template <typename Table>
FieldResult two_letter(std::string_view in, const Table& table, const char* what) {
  std::string letters = ascii_letters_of(in);
  std::string_view mapped = letters.size() == 2 ? std::string_view(letters) : table.map(letters);
  if (mapped.empty()) return FieldResult::failure(std::string(what) + " has no Latin letters");
  return FieldResult::success(std::string(mapped.substr(0, 2)));
}

}  // namespace

FieldResult normalize_state(std::string_view in) { return two_letter(in, state_table(), "state"); }

FieldResult normalize_country(std::string_view in) { return two_letter(in, country_table(), "country"); }

// ct: delete every character not in [A-Za-z0-9] (accented and non-Latin letters vanish), lowercase, must start a-z.
FieldResult normalize_city(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (is_ascii_digit(c) || is_ascii_lower(c)) {
      out.push_back(c);
    }
  }
  if (out.empty()) return FieldResult::failure("city has no Latin letters");
  if (!is_ascii_lower(out.front())) return FieldResult::failure("city must start with a Latin letter");
  return FieldResult::success(std::move(out));
}

// zp: lowercase; keep the text before the first '-'; trim; inner spaces kept; fewer than 2 characters -> dropped.
FieldResult normalize_zip(std::string_view in) {
  std::string lower = to_lower(in);
  std::string_view s = lower;
  s = s.substr(0, s.find('-'));
  s = js_trim(s);
  if (utf16_length(s) < 2) return FieldResult::failure("zip code shorter than 2 characters");
  return FieldResult::success(std::string(s));
}

}  // namespace sidetag::prep::detail
