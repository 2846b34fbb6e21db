#include "intake-svc/person_indexes.h"

#include "common/identity/identity.h"

namespace frontdoor::intake {
namespace {

struct Person {
  const common::v1::PersonName* name = nullptr;       // null: nobody
  const google::type::Date* date_of_birth = nullptr;  // null: not known
};

// The name-and-date and name-only indexes of `person`.
void IndexPerson(const crypto::KeyRing& keys, const Person& person,
                 std::string& with_date, std::string& name_only) {
  if (person.name == nullptr) return;
  if (person.date_of_birth != nullptr) {
    with_date = keys.BlindIndex(
        identity::PersonKey(*person.name, person.date_of_birth));
  }
  name_only = keys.BlindIndex(identity::PersonKey(*person.name, nullptr));
}

}  // namespace

PersonIndexes IndexPeople(const crypto::KeyRing& keys,
                          const common::v1::Referral& referral,
                          intake::v1::ReferralStatus status,
                          common::v1::FrontDoor front_door) {
  const common::v1::Subject& subject = referral.subject();
  PersonIndexes out;
  out.subject = keys.BlindIndex(
      identity::PersonKey(subject.name(), &subject.date_of_birth()));
  out.subject_loose = keys.BlindIndex(
      identity::LoosePersonKey(subject.name(), &subject.date_of_birth()));
  if (status != intake::v1::REFERRAL_STATUS_ACCEPTED) return out;

  const Person the_subject{&subject.name(), &subject.date_of_birth()};
  Person other_party;
  if (referral.has_other_party()) {
    const common::v1::OtherParty& p = referral.other_party();
    other_party.name = &p.name();
    if (p.has_date_of_birth()) other_party.date_of_birth = &p.date_of_birth();
  }
  Person suspect, victim;
  switch (front_door) {
    case common::v1::FRONT_DOOR_ADULT_VICTIM:
      victim = the_subject;
      suspect = other_party;
      break;
    case common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE:
      suspect = the_subject;
      victim = other_party;
      break;
    default:  // Children's front door: no one is labelled.
      return out;
  }
  IndexPerson(keys, suspect, out.suspect, out.suspect_name);
  IndexPerson(keys, victim, out.victim, out.victim_name);
  return out;
}

void SetIndexes(const PersonIndexes& indexes,
                intake::v1::ReferralReceived& event) {
  event.set_subject_index(indexes.subject);
  event.set_subject_loose_index(indexes.subject_loose);
  event.set_suspect_index(indexes.suspect);
  event.set_suspect_name_index(indexes.suspect_name);
  event.set_victim_index(indexes.victim);
  event.set_victim_name_index(indexes.victim_name);
}

}  // namespace frontdoor::intake
