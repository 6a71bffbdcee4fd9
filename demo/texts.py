"""The demo's content in each demo city's language: decision classes, agendas, votes and their
options, budget lines. These are data, like the demo's people and addresses (``demo.names``),
not words of the interface, so they live here rather than in the catalogues: a demo city in
Lyon shows French proposals, one in Cluj-Napoca Romanian ones.

A text is keyed by its English; ``local`` gives it in the language active when it is read (the
seeder reads it under the city's language), the English where there is no translation.
"""

from __future__ import annotations

from django.utils.functional import Promise, lazy
from django.utils.translation import get_language

# English → {language: text}, for the languages of the demo cities (demo.network.CITIES).
TEXTS: dict[str, dict[str, str]] = {
    # Decision classes
    "Everyday": {
        "ca": "Dia a dia",
        "de": "Alltag",
        "fr": "Vie quotidienne",
        "ro": "Viața de zi cu zi",
    },
    "Day-to-day matters: a simple majority of the households voting.": {
        "ca": "Els afers del dia a dia: majoria simple de les llars que voten.",
        "de": "Alltägliche Angelegenheiten: einfache Mehrheit der abstimmenden Haushalte.",
        "fr": "Les affaires courantes : majorité simple des foyers qui votent.",
        "ro": "Treburile de zi cu zi: majoritatea simplă a gospodăriilor care votează.",
    },
    "Budget over threshold": {
        "ca": "Despesa per sobre del llindar",
        "de": "Ausgaben über der Schwelle",
        "fr": "Dépense au-delà du seuil",
        "ro": "Cheltuieli peste prag",
    },
    "Spending above the managers' limit: two thirds of the votes, half of the households "
    "taking part.": {
        "ca": "Despeses per sobre del límit de la gestió: dos terços dels vots, amb la "
        "participació de la meitat de les llars.",
        "de": "Ausgaben über der Grenze der Verwaltung: zwei Drittel der Stimmen, bei "
        "Beteiligung der Hälfte der Haushalte.",
        "fr": "Dépenses au-delà de la limite des gestionnaires : deux tiers des voix, la "
        "moitié des foyers prenant part au vote.",
        "ro": "Cheltuieli peste limita administratorilor: două treimi din voturi, cu "
        "participarea a jumătate din gospodării.",
    },
    "Admitting a household": {
        "ca": "Admissió d'una llar",
        "de": "Aufnahme eines Haushalts",
        "fr": "Admission d'un foyer",
        "ro": "Primirea unei gospodării",
    },
    "A new household joins unless a reasoned objection stands.": {
        "ca": "Una llar nova entra tret que hi hagi una objecció motivada.",
        "de": "Ein neuer Haushalt wird aufgenommen, sofern kein begründeter Einwand besteht.",
        "fr": "Un nouveau foyer entre, sauf objection motivée.",
        "ro": "O gospodărie nouă intră, dacă nu există o obiecție motivată.",
    },
    "Changing the bylaws": {
        "ca": "Modificació dels estatuts",
        "de": "Satzungsänderung",
        "fr": "Modification des statuts",
        "ro": "Modificarea statutului",
    },
    "The bylaws, the contributions and the house rules: two thirds of the adults, by secret "
    "ballot, two thirds taking part.": {
        "ca": "Els estatuts, les aportacions i les normes de la casa: dos terços de les "
        "persones adultes, en vot secret, amb una participació de dos terços.",
        "de": "Satzung, Beiträge und Hausordnung: zwei Drittel der Erwachsenen, geheime "
        "Abstimmung, bei Beteiligung von zwei Dritteln.",
        "fr": "Les statuts, les contributions et le règlement intérieur : deux tiers des "
        "adultes, à bulletin secret, deux tiers prenant part au vote.",
        "ro": "Statutul, contribuțiile și regulamentul casei: două treimi dintre adulți, prin "
        "vot secret, cu participarea a două treimi.",
    },
    "Choosing among options": {
        "ca": "Elecció entre opcions",
        "de": "Wahl zwischen Optionen",
        "fr": "Choix entre plusieurs options",
        "ro": "Alegerea între opțiuni",
    },
    "Approval voting: each household approves every option it can live with.": {
        "ca": "Vot d'aprovació: cada llar aprova totes les opcions que pot acceptar.",
        "de": "Zustimmungswahl: Jeder Haushalt stimmt jeder Option zu, mit der er leben kann.",
        "fr": "Vote par approbation : chaque foyer approuve toutes les options qui lui "
        "conviennent.",
        "ro": "Vot prin aprobare: fiecare gospodărie aprobă toate opțiunile pe care le poate "
        "accepta.",
    },
    "Ranked choice": {
        "ca": "Vot per ordre de preferència",
        "de": "Rangfolgewahl",
        "fr": "Vote par classement",
        "ro": "Vot preferențial",
    },
    "Instant run-off: each adult ranks the options.": {
        "ca": "Segona volta instantània: cada persona adulta ordena les opcions.",
        "de": "Integrierte Stichwahl: Jede erwachsene Person ordnet die Optionen.",
        "fr": "Second tour instantané : chaque adulte classe les options.",
        "ro": "Tur al doilea instantaneu: fiecare adult ordonează opțiunile.",
    },
    # Agendas and minutes
    "Approval of the last minutes": {
        "ca": "Aprovació de l'acta anterior",
        "de": "Genehmigung des letzten Protokolls",
        "fr": "Approbation du dernier procès-verbal",
        "ro": "Aprobarea procesului-verbal anterior",
    },
    "Approved without changes.": {
        "ca": "Aprovada sense canvis.",
        "de": "Ohne Änderungen genehmigt.",
        "fr": "Approuvé sans modification.",
        "ro": "Aprobat fără modificări.",
    },
    "Annual accounts": {
        "ca": "Comptes anuals",
        "de": "Jahresabschluss",
        "fr": "Comptes annuels",
        "ro": "Situațiile financiare anuale",
    },
    "Presented by the managers; questions answered.": {
        "ca": "Presentats per la gestió; s'han respost les preguntes.",
        "de": "Von der Verwaltung vorgestellt; Fragen beantwortet.",
        "fr": "Présentés par les gestionnaires ; réponses aux questions.",
        "ro": "Prezentate de administratori; s-a răspuns la întrebări.",
    },
    "Budget for the coming year": {
        "ca": "Pressupost de l'any vinent",
        "de": "Haushalt für das kommende Jahr",
        "fr": "Budget de l'année à venir",
        "ro": "Bugetul pentru anul următor",
    },
    "Discussed; the maintenance reserve is raised.": {
        "ca": "Debatut; s'augmenta el fons de manteniment.",
        "de": "Besprochen; die Instandhaltungsrücklage wird erhöht.",
        "fr": "Débattu ; la provision pour entretien est augmentée.",
        "ro": "Discutat; fondul de întreținere se mărește.",
    },
    "Any other business": {
        "ca": "Precs i preguntes",
        "de": "Verschiedenes",
        "fr": "Questions diverses",
        "ro": "Diverse",
    },
    "The garden group asks for volunteers.": {
        "ca": "El grup de l'hort demana voluntaris.",
        "de": "Die Gartengruppe sucht Freiwillige.",
        "fr": "Le groupe jardin cherche des volontaires.",
        "ro": "Grupul de grădină caută voluntari.",
    },
    "Common room rules": {
        "ca": "Normes de la sala comuna",
        "de": "Regeln für den Gemeinschaftsraum",
        "fr": "Règles de la salle commune",
        "ro": "Regulile sălii comune",
    },
    "Quiet hours from 22:00 are kept.": {
        "ca": "Es mantenen les hores de silenci a partir de les 22:00.",
        "de": "Die Ruhezeit ab 22:00 Uhr bleibt.",
        "fr": "Le calme à partir de 22:00 est maintenu.",
        "ro": "Liniștea de la ora 22:00 se păstrează.",
    },
    "Energy savings in the laundry": {
        "ca": "Estalvi d'energia a la bugaderia",
        "de": "Energiesparen in der Waschküche",
        "fr": "Économies d'énergie à la buanderie",
        "ro": "Economii de energie la spălătorie",
    },
    "A working group will report back.": {
        "ca": "Un grup de treball en farà l'informe.",
        "de": "Eine Arbeitsgruppe berichtet.",
        "fr": "Un groupe de travail fera un rapport.",
        "ro": "Un grup de lucru va prezenta un raport.",
    },
    "Nothing further.": {
        "ca": "Res més.",
        "de": "Nichts weiter.",
        "fr": "Rien d'autre.",
        "ro": "Nimic altceva.",
    },
    "Contribution scheme for next year": {
        "ca": "Sistema d'aportacions de l'any vinent",
        "de": "Beitragsmodell für das nächste Jahr",
        "fr": "Barème des contributions de l'an prochain",
        "ro": "Sistemul de contribuții pentru anul viitor",
    },
    "Report of the energy working group": {
        "ca": "Informe del grup de treball d'energia",
        "de": "Bericht der Arbeitsgruppe Energie",
        "fr": "Rapport du groupe de travail énergie",
        "ro": "Raportul grupului de lucru pentru energie",
    },
    # Votes and their options
    "Raise the maintenance reserve": {
        "ca": "Augmentar el fons de manteniment",
        "de": "Instandhaltungsrücklage erhöhen",
        "fr": "Augmenter la provision pour entretien",
        "ro": "Mărirea fondului de întreținere",
    },
    "Raise the maintenance reserve by 5% so that the roof can be redone in four years without "
    "a loan.": {
        "ca": "Augmentar el fons de manteniment un 5\u00a0% per poder refer la teulada d'aquí "
        "a quatre anys sense préstec.",
        "de": "Die Instandhaltungsrücklage um 5\u00a0% erhöhen, damit das Dach in vier Jahren "
        "ohne Kredit erneuert werden kann.",
        "fr": "Augmenter la provision pour entretien de 5\u00a0% afin de refaire le toit dans "
        "quatre ans sans emprunt.",
        "ro": "Mărirea fondului de întreținere cu 5\u00a0% pentru ca acoperișul să poată fi "
        "refăcut în patru ani fără împrumut.",
    },
    "Plan for the shared garden": {
        "ca": "Pla per a l'hort compartit",
        "de": "Plan für den Gemeinschaftsgarten",
        "fr": "Projet pour le jardin partagé",
        "ro": "Planul pentru grădina comună",
    },
    "Which plantings should the garden group start with? Approve every option you can live "
    "with.": {
        "ca": "Amb quines plantacions hauria de començar el grup de l'hort? Aproveu totes les "
        "opcions que podeu acceptar.",
        "de": "Womit soll die Gartengruppe anfangen? Stimmen Sie jeder Option zu, mit der Sie "
        "leben können.",
        "fr": "Par quelles plantations le groupe jardin doit-il commencer ? Approuvez toutes "
        "les options qui vous conviennent.",
        "ro": "Cu ce plantații să înceapă grupul de grădină? Aprobați toate opțiunile pe care "
        "le puteți accepta.",
    },
    "Vegetable beds": {
        "ca": "Bancals d'hortalisses",
        "de": "Gemüsebeete",
        "fr": "Potager",
        "ro": "Straturi de legume",
    },
    "Fruit trees": {
        "ca": "Arbres fruiters",
        "de": "Obstbäume",
        "fr": "Arbres fruitiers",
        "ro": "Pomi fructiferi",
    },
    "Wild flower meadow": {
        "ca": "Prat de flors silvestres",
        "de": "Wildblumenwiese",
        "fr": "Prairie fleurie",
        "ro": "Pajiște cu flori sălbatice",
    },
    "Admitting the household of unit 3B": {
        "ca": "Admissió de la llar de l'habitatge 3B",
        "de": "Aufnahme des Haushalts der Wohnung 3B",
        "fr": "Admission du foyer du logement 3B",
        "ro": "Primirea gospodăriei din apartamentul 3B",
    },
    "A family of three asks to join the project in unit 3B.": {
        "ca": "Una família de tres persones demana entrar al projecte a l'habitatge 3B.",
        "de": "Eine dreiköpfige Familie möchte in Wohnung 3B in das Projekt einziehen.",
        "fr": "Une famille de trois personnes demande à rejoindre le projet dans le "
        "logement 3B.",
        "ro": "O familie de trei persoane cere să intre în proiect, în apartamentul 3B.",
    },
    "Keep quiet hours from 22:00": {
        "ca": "Mantenir les hores de silenci a partir de les 22:00",
        "de": "Ruhezeit ab 22:00 Uhr beibehalten",
        "fr": "Garder le calme à partir de 22:00",
        "ro": "Păstrarea liniștii de la ora 22:00",
    },
    "The common room is quiet from 22:00 on weekdays and from midnight on Fridays and "
    "Saturdays.": {
        "ca": "A la sala comuna hi ha silenci a partir de les 22:00 entre setmana i a partir "
        "de mitjanit els divendres i dissabtes.",
        "de": "Im Gemeinschaftsraum ist werktags ab 22:00 Uhr Ruhe, freitags und samstags ab "
        "Mitternacht.",
        "fr": "La salle commune est calme à partir de 22:00 en semaine et à partir de minuit "
        "le vendredi et le samedi.",
        "ro": "În sala comună e liniște de la ora 22:00 în zilele lucrătoare și de la miezul "
        "nopții vinerea și sâmbăta.",
    },
    "A name for the common room": {
        "ca": "Un nom per a la sala comuna",
        "de": "Ein Name für den Gemeinschaftsraum",
        "fr": "Un nom pour la salle commune",
        "ro": "Un nume pentru sala comună",
    },
    "Rank the proposed names; the name with a majority after run-off wins.": {
        "ca": "Ordeneu els noms proposats; guanya el nom que té majoria després de la segona "
        "volta.",
        "de": "Ordnen Sie die vorgeschlagenen Namen; es gewinnt der Name mit einer Mehrheit "
        "nach der Stichwahl.",
        "fr": "Classez les noms proposés ; le nom majoritaire après le second tour l'emporte.",
        "ro": "Ordonați numele propuse; câștigă numele cu majoritate după turul al doilea.",
    },
    "The Hearth": {"ca": "La Llar de Foc", "de": "Die Feuerstelle", "fr": "Le Foyer",
                   "ro": "Vatra"},
    "The Commons": {"ca": "El Comú", "de": "Die Allmende", "fr": "Les Communs",
                    "ro": "Obștea"},
    "The Living Room": {"ca": "La Sala d'Estar", "de": "Das Wohnzimmer", "fr": "Le Salon",
                        "ro": "Sufrageria"},
    "The Square": {"ca": "La Plaça", "de": "Der Platz", "fr": "La Place", "ro": "Piața"},
    "Allow small pets": {
        "ca": "Permetre animals de companyia petits",
        "de": "Kleine Haustiere erlauben",
        "fr": "Autoriser les petits animaux",
        "ro": "Permiterea animalelor de companie mici",
    },
    "Change the house rules to allow cats and small dogs.": {
        "ca": "Canviar les normes de la casa per permetre gats i gossos petits.",
        "de": "Die Hausordnung so ändern, dass Katzen und kleine Hunde erlaubt sind.",
        "fr": "Modifier le règlement intérieur pour autoriser les chats et les petits chiens.",
        "ro": "Modificarea regulamentului casei pentru a permite pisici și câini mici.",
    },
    "Buy a shared cargo bike": {
        "ca": "Comprar una bicicleta de càrrega compartida",
        "de": "Ein gemeinsames Lastenrad kaufen",
        "fr": "Acheter un vélo cargo partagé",
        "ro": "Cumpărarea unei biciclete cargo comune",
    },
    "Buy an electric cargo bike for everyone, booked like the other spaces.": {
        "ca": "Comprar una bicicleta de càrrega elèctrica per a tothom, que es reserva com "
        "els altres espais.",
        "de": "Ein elektrisches Lastenrad für alle kaufen, gebucht wie die anderen Räume.",
        "fr": "Acheter un vélo cargo électrique pour tous, réservé comme les autres espaces.",
        "ro": "Cumpărarea unei biciclete cargo electrice pentru toți, rezervată ca celelalte "
        "spații.",
    },
    "Date of the summer party": {
        "ca": "Data de la festa d'estiu",
        "de": "Termin des Sommerfests",
        "fr": "Date de la fête d'été",
        "ro": "Data petrecerii de vară",
    },
    "Approve every date you could come.": {
        "ca": "Aproveu totes les dates en què podríeu venir.",
        "de": "Stimmen Sie jedem Termin zu, an dem Sie kommen könnten.",
        "fr": "Approuvez toutes les dates où vous pourriez venir.",
        "ro": "Aprobați toate datele la care ați putea veni.",
    },
    "First Saturday of July": {
        "ca": "Primer dissabte de juliol",
        "de": "Erster Samstag im Juli",
        "fr": "Premier samedi de juillet",
        "ro": "Prima sâmbătă din iulie",
    },
    "Second Saturday of July": {
        "ca": "Segon dissabte de juliol",
        "de": "Zweiter Samstag im Juli",
        "fr": "Deuxième samedi de juillet",
        "ro": "A doua sâmbătă din iulie",
    },
    "Last Saturday of August": {
        "ca": "Últim dissabte d'agost",
        "de": "Letzter Samstag im August",
        "fr": "Dernier samedi d'août",
        "ro": "Ultima sâmbătă din august",
    },
    "Colour of the stairwell": {
        "ca": "Color de l'escala",
        "de": "Farbe des Treppenhauses",
        "fr": "Couleur de la cage d'escalier",
        "ro": "Culoarea casei scării",
    },
    "Rank the colours from the one you like best.": {
        "ca": "Ordeneu els colors començant pel que us agrada més.",
        "de": "Ordnen Sie die Farben, beginnend mit Ihrer liebsten.",
        "fr": "Classez les couleurs en commençant par votre préférée.",
        "ro": "Ordonați culorile începând cu cea care vă place cel mai mult.",
    },
    "Sand": {"ca": "Sorra", "de": "Sand", "fr": "Sable", "ro": "Nisipiu"},
    "Sage green": {"ca": "Verd sàlvia", "de": "Salbeigrün", "fr": "Vert sauge",
                   "ro": "Verde salvie"},
    "Sky blue": {"ca": "Blau cel", "de": "Himmelblau", "fr": "Bleu ciel", "ro": "Bleu"},
    "White": {"ca": "Blanc", "de": "Weiß", "fr": "Blanc", "ro": "Alb"},
    "Admitting the household of unit 5A": {
        "ca": "Admissió de la llar de l'habitatge 5A",
        "de": "Aufnahme des Haushalts der Wohnung 5A",
        "fr": "Admission du foyer du logement 5A",
        "ro": "Primirea gospodăriei din apartamentul 5A",
    },
    "A couple asks to join the project in unit 5A; questions first, then reactions, then "
    "consent.": {
        "ca": "Una parella demana entrar al projecte a l'habitatge 5A; primer preguntes, "
        "després reaccions i després consentiment.",
        "de": "Ein Paar möchte in Wohnung 5A in das Projekt einziehen; zuerst Fragen, dann "
        "Reaktionen, dann Zustimmung.",
        "fr": "Un couple demande à rejoindre le projet dans le logement 5A ; d'abord les "
        "questions, puis les réactions, puis le consentement.",
        "ro": "Un cuplu cere să intre în proiect, în apartamentul 5A; întâi întrebări, apoi "
        "reacții, apoi consimțământ.",
    },
    "Allow a second parking space for car sharing": {
        "ca": "Permetre una segona plaça d'aparcament per al cotxe compartit",
        "de": "Einen zweiten Stellplatz für Carsharing zulassen",
        "fr": "Autoriser une deuxième place de parking pour l'autopartage",
        "ro": "Permiterea unui al doilea loc de parcare pentru car sharing",
    },
    "Change the rules so that two parking spaces are kept for shared cars.": {
        "ca": "Canviar les normes perquè es reservin dues places d'aparcament per a cotxes "
        "compartits.",
        "de": "Die Regeln so ändern, dass zwei Stellplätze für geteilte Autos frei bleiben.",
        "fr": "Modifier les règles pour réserver deux places de parking aux voitures "
        "partagées.",
        "ro": "Modificarea regulilor astfel încât două locuri de parcare să fie păstrate "
        "pentru mașinile folosite în comun.",
    },
    # Budget lines
    "Building loan": {
        "ca": "Préstec de l'edifici",
        "de": "Baudarlehen",
        "fr": "Emprunt immobilier",
        "ro": "Creditul pentru clădire",
    },
    "Maintenance and repairs": {
        "ca": "Manteniment i reparacions",
        "de": "Instandhaltung und Reparaturen",
        "fr": "Entretien et réparations",
        "ro": "Întreținere și reparații",
    },
    "Reserve fund": {
        "ca": "Fons de reserva",
        "de": "Rücklage",
        "fr": "Fonds de réserve",
        "ro": "Fond de rezervă",
    },
    "Common areas: energy, water, lift": {
        "ca": "Espais comuns: energia, aigua, ascensor",
        "de": "Gemeinschaftsflächen: Energie, Wasser, Aufzug",
        "fr": "Parties communes : énergie, eau, ascenseur",
        "ro": "Spații comune: energie, apă, lift",
    },
}  # fmt: skip


def local_text(english: str) -> str:
    """The text in the active language, or the English."""
    return TEXTS.get(english, {}).get(get_language() or "en", english)


def local(english: str) -> Promise:
    """The text, read in the language active when it is used (lazy, like ``gettext_lazy``)."""
    return lazy(local_text, str)(english)


__all__ = ["TEXTS", "local", "local_text"]
