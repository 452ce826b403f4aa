@section-6
Feature: The article's conclusion (article, key takeaways)
  The article closes with four lessons: minimising the mean squared error finds
  the optimal parameters; gradient descent steps downhill; initialisation,
  learning rate and epochs are all crucial; and its implementation matches
  scikit-learn. The last is covered under section 5; we test the others on the
  diabetes data.

  @claim-6.1 @holds
  Rule: Minimising the loss gives the least-squares optimum, which is scikit-learn's model
    Article: "finds optimal parameters by minimizing Mean Squared Error" (conclusion)

    Scenario: The least-squares parameters are where the loss is lowest
      Given the article's split of the diabetes data
      When we solve least squares on the training rows
      Then the gradient of the loss there is zero to rounding
      And the loss's Hessian has no negative eigenvalue, so no other point is lower
      And those parameters are scikit-learn's to nine significant figures

  @claim-6.2 @holds
  Rule: A small enough step against the gradient lowers the loss from any point
    The loss's change along -g starts at -|g|^2, negative wherever g is not zero.
    Article: "updates parameters in the direction that reduces loss" (conclusion)

    Scenario Outline: One small step against the gradient from <start>
      Given the article's split of the diabetes data
      When the model takes one step against the gradient from <start>, of a hundredth of the stable learning rate
      Then the loss after the step is lower than before it

      Examples:
        | start                     |
        | the all-zero model        |
        | gradient descent's result |
        | random parameters         |

  @claim-6.3 @erratum
  Rule: Initialisation only sets how far training starts; every start reaches the same optimum
    The loss is a convex quadratic with a single minimum, so gradient descent at a
    stable learning rate converges to it from anywhere.
    Article: "Proper initialization ... [is] crucial" (conclusion)

    Scenario Outline: Gradient descent from <start> reaches the least-squares optimum
      Given the article's split of the diabetes data
      When gradient descent runs from <start> for 1,000,000,000 epochs at 0.01, computed in closed form
      Then its parameters equal the least-squares optimum's to nine significant figures

      Examples:
        | start                     |
        | the all-zero model        |
        | gradient descent's result |
        | random parameters         |

  @claim-6.4 @holds
  Rule: The learning rate decides between convergence and divergence
    Article: "learning rate selection ... [is] crucial" (conclusion)

    Scenario Outline: Training at <rate>
      Given the article's split of the diabetes data
      When the model trains for 1,000 epochs at <rate>
      Then the final loss is <outcome> the first

      Examples:
        | rate                                 | outcome                       |
        | 0.99 times the stable learning rate  | below                         |
        | 1.01 times the stable learning rate  | more than a million times     |

  @claim-6.5 @holds
  Rule: The number of epochs decides how close training gets to the optimum
    Article: "sufficient training epochs are crucial" (conclusion)

    Scenario Outline: After <epochs> epochs at 0.01 the loss is <excess> % above the optimum's
      Given the article's split of the diabetes data
      When gradient descent runs for <epochs> epochs at 0.01, computed in closed form
      Then its training loss is <excess> % above the optimum's to two decimals

      Examples:
        | epochs        | excess |
        | 200,000       | 1.30   |
        | 10,000,000    | 0.03   |
        | 1,000,000,000 | 0.00   |
