//! Why an urgent occurrence found no one, and the nearest alternatives, in the words of the
//! coordinator who reads the notice (Italian or English): kept structured until the notice
//! is written, so that neither the reason nor the alternatives arrive in another language.
use ponte_solver::model::Reason;

use crate::notice::Localized;

/// Why no one was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// The solver's reason, as the exchange format names it.
    Solver(Reason),
    /// The occurrence could not be put in the instance: the snapshot's words.
    NotInInstance(String),
    /// Offers lapsed unanswered and no one else fits.
    NoAnswer { asked: usize, then: Box<Why> },
    /// Too late for anyone to start it.
    TooLate { asked: usize },
    /// Every candidate was taken by other offers or assignments meanwhile.
    Contended,
}

impl Why {
    pub fn words(&self) -> Localized {
        match self {
            Why::Solver(r) => solver(*r),
            Why::NotInInstance(why) => Localized::same(why),
            Why::NoAnswer { asked, then } => {
                let then = then.words();
                Localized {
                    it: format!(
                        "nessuno ha risposto in tempo ({asked} interpellati); nessun altro: {}",
                        then.it
                    ),
                    en: format!(
                        "no one answered in time ({asked} asked); no one else: {}",
                        then.en
                    ),
                }
            }
            Why::TooLate { asked: 0 } => Localized {
                it: "l'orario per iniziare è passato".into(),
                en: "the time to start it has passed".into(),
            },
            Why::TooLate { asked } => Localized {
                it: format!(
                    "nessuno ha risposto in tempo ({asked} interpellati) e l'orario per iniziare è passato"
                ),
                en: format!(
                    "no one answered in time ({asked} asked) and the time to start it has passed"
                ),
            },
            Why::Contended => Localized {
                it: "tutti i mediatori adatti sono presi da altre proposte o incarichi".into(),
                en: "every mediator who fits is held by other offers or assignments".into(),
            },
        }
    }
}

fn solver(r: Reason) -> Localized {
    let (it, en) = match r {
        Reason::NoMediatorSpeaksLanguage => (
            "nessun mediatore parla la lingua",
            "no mediator speaks the language",
        ),
        Reason::AllSpeakersExcluded => (
            "tutti i mediatori della lingua sono esclusi",
            "every mediator who speaks the language is excluded",
        ),
        Reason::NoMediatorWithRequiredTags => (
            "nessun mediatore ha i requisiti richiesti",
            "no mediator has the required skills",
        ),
        Reason::NoMediatorOffersModality => (
            "nessun mediatore offre questa modalità",
            "no mediator offers this modality",
        ),
        Reason::NoMediatorAvailableInWindow => (
            "nessun mediatore è disponibile nella fascia richiesta",
            "no mediator is available in the requested window",
        ),
        Reason::TravelInfeasible => (
            "nessun mediatore arriva in tempo",
            "no mediator can get there in time",
        ),
        Reason::ExceedsWorkloadLimit => (
            "i mediatori adatti hanno raggiunto il loro limite di ore",
            "the suitable mediators have reached their hours",
        ),
        Reason::Capacity => (
            "tutti i mediatori adatti sono già impegnati",
            "every suitable mediator is already busy",
        ),
    };
    Localized {
        it: it.into(),
        en: en.into(),
    }
}

/// A nearest alternative: who could do it, how or when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Alternative {
    ByPhone {
        name: String,
        at: String,
    },
    ByVideo {
        name: String,
        at: String,
    },
    LaterToday {
        name: String,
        at: String,
    },
    /// `at` is "dd/mm HH:MM".
    NextDay {
        name: String,
        at: String,
    },
    /// A later day of the plan's window; `at` is "dd/mm HH:MM".
    LaterDay {
        name: String,
        at: String,
    },
}

impl Alternative {
    pub fn words(&self) -> Localized {
        let (it, en, name, at) = match self {
            Alternative::ByPhone { name, at } => ("al telefono", "by phone", name, at),
            Alternative::ByVideo { name, at } => ("in video", "by video", name, at),
            Alternative::LaterToday { name, at } => ("più tardi oggi", "later today", name, at),
            Alternative::NextDay { name, at } => ("il giorno dopo", "next day", name, at),
            Alternative::LaterDay { name, at } => ("un altro giorno", "another day", name, at),
        };
        Localized {
            it: format!("{it}: {name} alle {at}"),
            en: format!("{en}: {name} at {at}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_has_words_in_both_languages() {
        let lapsed = Why::NoAnswer {
            asked: 7,
            then: Box::new(Why::Solver(Reason::Capacity)),
        };
        let words = lapsed.words();
        assert_eq!(
            words.it,
            "nessuno ha risposto in tempo (7 interpellati); nessun altro: tutti i mediatori adatti sono già impegnati"
        );
        assert_eq!(
            words.en,
            "no one answered in time (7 asked); no one else: every suitable mediator is already busy"
        );
        let phone = Alternative::ByPhone {
            name: "Li Wei".into(),
            at: "10:30".into(),
        };
        assert_eq!(phone.words().it, "al telefono: Li Wei alle 10:30");
        assert_eq!(phone.words().en, "by phone: Li Wei at 10:30");
    }
}
